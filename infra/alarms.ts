import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { DIMENSION, METRIC, METRICS_NAMESPACE, type MetricKey } from '../shared/observability/emf';
import type { AlarmOptions } from './config';
import type { KafkaFunction } from './handler-function';

/** Where the failed-record metric lives: one series per handler, from the functions' EMF documents. */
export const FAILED_RECORDS_METRIC = {
  namespace: METRICS_NAMESPACE,
  metricName: METRIC.failed.name,
} as const;

/**
 * One of the metrics the adapter publishes in its EMF documents (shared/observability/emf.ts), over all the
 * handler's topics: each document carries a Handler-only dimension set besides Handler and Topic.
 */
export function handlerMetric(
  handler: string,
  key: MetricKey,
  statistic: string,
  period = Duration.minutes(5),
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: METRIC[key].name,
    dimensionsMap: { [DIMENSION.handler]: handler },
    statistic,
    period,
  });
}

/**
 * Per handler: invocation errors (a batch retried whole, e.g. a dead-letter write that failed), failed records and
 * record age from the functions' own metrics, and OffsetLag (records the consumer group is behind, the largest over
 * its topics).
 */
export class HandlerAlarms extends Construct {
  readonly errors: Alarm;
  readonly failedRecords: Alarm;
  readonly recordAge: Alarm;
  readonly offsetLag: Alarm;

  constructor(
    scope: Construct,
    id: string,
    props: { handler: string; fn: KafkaFunction; options: AlarmOptions },
  ) {
    super(scope, id);
    const { handler, fn, options } = props;
    const functionName = fn.fn.functionName;

    this.errors = new Alarm(this, 'Errors', {
      alarmDescription: `Handler ${handler}: invocations failed (the batch is retried from its first unhandled record)`,
      metric: fn.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.failedRecords = new Alarm(this, 'FailedRecords', {
      alarmDescription: `Handler ${handler}: records failed and were dead-lettered, left for redelivery or timed out`,
      metric: handlerMetric(handler, 'failed', 'Sum'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const agePeriods = Math.max(1, Math.ceil(options.recordAgeMinutes / 5));
    this.recordAge = new Alarm(this, 'RecordAge', {
      alarmDescription: `Handler ${handler}: records reached the handler more than ${options.recordAgeSeconds} s after they were written, for ${agePeriods * 5} minutes`,
      metric: handlerMetric(handler, 'recordAgeMax', 'Maximum'),
      threshold: options.recordAgeSeconds * 1000,
      evaluationPeriods: agePeriods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // no records, no age: a stalled consumer shows in OffsetLag instead
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const periods = Math.max(1, Math.ceil(options.offsetLagMinutes / 5));
    this.offsetLag = new Alarm(this, 'OffsetLag', {
      alarmDescription: `Handler ${handler}: more than ${options.offsetLagThreshold} records behind for ${periods * 5} minutes`,
      metric: new Metric({
        namespace: 'AWS/Lambda',
        metricName: 'OffsetLag',
        dimensionsMap: { FunctionName: functionName },
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: options.offsetLagThreshold,
      evaluationPeriods: periods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
