import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AlarmOptions } from './config';
import type { KafkaFunction } from './handler-function';

/** Where the failed-record metric lives: one series per handler. */
export const FAILED_RECORDS_METRIC = { namespace: 'KafkaLambda', metricName: 'RecordsFailed' } as const;

/**
 * The adapter logs one JSON line per record it gives up on in this invocation (dead-lettered, or left for the
 * event source to redeliver): `{"level":"warn","msg":"record failed","handler":...,"topic":...,"offset":...}`.
 */
export const FAILED_RECORD_PATTERN = FilterPattern.stringValue('$.msg', '=', 'record failed');

/**
 * Per handler: invocation errors (a batch retried whole, e.g. a dead-letter write that failed), failed records
 * counted from the logs, and OffsetLag (records the consumer group is behind, the largest over its topics).
 */
export class HandlerAlarms extends Construct {
  readonly errors: Alarm;
  readonly failedRecords: Alarm;
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

    new MetricFilter(this, 'FailedRecordsFilter', {
      logGroup: fn.logGroup,
      filterPattern: FAILED_RECORD_PATTERN,
      metricNamespace: FAILED_RECORDS_METRIC.namespace,
      metricName: FAILED_RECORDS_METRIC.metricName,
      metricValue: '1',
      dimensions: { Handler: '$.handler' },
    });
    this.failedRecords = new Alarm(this, 'FailedRecords', {
      alarmDescription: `Handler ${handler}: records failed and were dead-lettered or left for redelivery`,
      metric: new Metric({
        ...FAILED_RECORDS_METRIC,
        dimensionsMap: { Handler: handler },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
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
