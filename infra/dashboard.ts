import { Duration, Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  type Alarm,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { handlerMetric } from './alarms';
import type { KafkaFunction } from './handler-function';
import { MAPPING_EVENT_METRICS } from './mapping-metrics';

/** What the dashboard shows of one handler. */
export interface DashboardHandler {
  name: string;
  function: KafkaFunction;
  mappings: readonly CfnEventSourceMapping[];
  alarms: readonly Alarm[];
}

const PERIOD = Duration.minutes(1);
const WIDTH = 6;
const HEIGHT = 6;

const graph = (
  title: string,
  left: IMetric[],
  options: { stacked?: boolean; unit?: string } = {},
): GraphWidget =>
  new GraphWidget({
    title,
    left,
    width: WIDTH,
    height: HEIGHT,
    stacked: options.stacked ?? false,
    ...(options.unit && { leftYAxis: { label: options.unit, showUnits: false } }),
  });

/** A count per minute shown per second; `id` names the metric in the expression (unique within a graph). */
const perSecond = (id: string, metric: Metric, label: string): MathExpression =>
  new MathExpression({
    expression: `${id} / PERIOD(${id})`,
    usingMetrics: { [id]: metric },
    label,
    period: PERIOD,
  });

/**
 * One CloudWatch dashboard per stack: the stack's alarms, then a row per handler with records/s, failures by kind,
 * record age and duration (the functions' EMF metrics), errors and throttles, concurrency and OffsetLag (Lambda's
 * metrics), and its event source mappings' own counts (polled, filtered out, invoked, failed).
 */
export class KafkaDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: { handlers: readonly DashboardHandler[] }) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-handlers`,
      defaultInterval: Duration.hours(3),
    });
    const alarms = props.handlers.flatMap((h) => h.alarms);
    if (alarms.length)
      this.dashboard.addWidgets(
        new AlarmStatusWidget({
          title: 'alarms',
          alarms,
          width: 24,
          height: Math.min(6, 1 + Math.ceil(alarms.length / 6)),
        }),
      );
    for (const h of props.handlers) this.handlerRows(h);
  }

  private handlerRows(h: DashboardHandler): void {
    const m = (key: Parameters<typeof handlerMetric>[1], statistic: string, label: string): Metric =>
      handlerMetric(h.name, key, statistic, PERIOD).with({ label });
    const fn = h.function.fn;
    const lambda = (metricName: string, statistic: string, label: string): Metric =>
      fn.metric(metricName, { statistic, period: PERIOD, label });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `### ${h.name}\nfunction \`${fn.functionName}\`: records, failures and record age from the handler's EMF documents (namespace KafkaLambda, dimension Handler); the rest from Lambda`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('records/s', [
        perSecond('received', m('received', 'Sum', 'received'), 'received'),
        perSecond('handled', m('handled', 'Sum', 'handled'), 'handled'),
      ]),
      graph(
        'failed records by kind',
        [
          m('failedDecode', 'Sum', 'decode'),
          m('failedSchema', 'Sum', 'schema'),
          m('failedHandler', 'Sum', 'handler'),
          m('failedTimeout', 'Sum', 'timeout'),
        ],
        { stacked: true },
      ),
      graph('record age (ms)', [m('recordAgeMax', 'Maximum', 'oldest'), m('recordAgeP50', 'p50', 'median')], {
        unit: 'ms',
      }),
      graph(
        'duration (ms)',
        [
          m('duration', 'p50', 'handler p50'),
          m('duration', 'p99', 'handler p99'),
          lambda('Duration', 'p99', 'function p99'),
        ],
        { unit: 'ms' },
      ),
    );
    this.dashboard.addWidgets(
      graph('errors and throttles', [
        lambda('Errors', 'Sum', 'errors'),
        lambda('Throttles', 'Sum', 'throttles'),
        m('invocationErrors', 'Sum', 'batches failed whole'),
      ]),
      graph('concurrency', [lambda('ConcurrentExecutions', 'Maximum', 'concurrent executions')]),
      graph('OffsetLag', [lambda('OffsetLag', 'Maximum', 'records behind (max)')]),
      graph(
        'event source mappings',
        h.mappings.flatMap((mapping) => {
          const topic = mapping.topics?.[0] ?? 'topic';
          return MAPPING_EVENT_METRICS.map(
            (name) =>
              new Metric({
                namespace: 'AWS/Lambda',
                metricName: name,
                dimensionsMap: { EventSourceMappingUUID: mapping.ref },
                statistic: 'Sum',
                period: PERIOD,
                label: `${topic}: ${name.replace(/EventCount$/, '')}`,
              }),
          );
        }),
      ),
    );
  }
}
