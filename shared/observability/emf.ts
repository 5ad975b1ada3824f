/**
 * CloudWatch embedded metric format (EMF): a JSON log line that CloudWatch Logs turns into metrics, so a function
 * publishes its figures by printing one line per invocation, with no API call and no log parsing. Written here
 * rather than with `@aws-lambda-powertools/metrics`, which adds about 16 KB to every function bundle for the same
 * line (README, "Observing a deployed stack"); test/unit/emf.test.ts checks the documents against the
 * specification's rules ("Specification: Embedded metric format", Amazon CloudWatch User Guide).
 */

/** The namespace of every metric the framework publishes; infra's alarms and dashboard read the same one. */
export const METRICS_NAMESPACE = 'KafkaLambda';

/** Dimension names: each metric is published per handler and topic, and per handler over all its topics. */
export const DIMENSION = { handler: 'Handler', topic: 'Topic' } as const;

/** The units this framework uses, spelled as CloudWatch's MetricDatum spells them. */
export type MetricUnit = 'Count' | 'Milliseconds';

/** Every metric of an invocation document, by what it counts. */
export const METRIC = {
  /** Records in the invocation's event. */
  received: { name: 'RecordsReceived', unit: 'Count' },
  /** Records the handler returned for. */
  handled: { name: 'RecordsHandled', unit: 'Count' },
  /** Handler calls repeated after a failure. */
  retried: { name: 'RecordsRetried', unit: 'Count' },
  /** Records written to their dead-letter topic. */
  deadLettered: { name: 'RecordsDeadLettered', unit: 'Count' },
  /** Records given up on in this invocation: dead-lettered, reported for redelivery, or timed out. */
  failed: { name: 'RecordsFailed', unit: 'Count' },
  failedDecode: { name: 'RecordsFailedDecode', unit: 'Count' },
  failedSchema: { name: 'RecordsFailedSchema', unit: 'Count' },
  failedHandler: { name: 'RecordsFailedHandler', unit: 'Count' },
  /** Records not finished when the invocation neared its deadline. */
  failedTimeout: { name: 'RecordsFailedTimeout', unit: 'Count' },
  /** Records in the whole invocation (all topics). */
  batchSize: { name: 'BatchSize', unit: 'Count' },
  /** From the adapter taking the event to its answer. */
  duration: { name: 'HandlerDuration', unit: 'Milliseconds' },
  /** Invocation time minus the record's timestamp: the oldest record, and the median. */
  recordAgeMax: { name: 'RecordAgeMax', unit: 'Milliseconds' },
  recordAgeP50: { name: 'RecordAgeP50', unit: 'Milliseconds' },
  /** 1 when the invocation failed whole (its batch is delivered again) or neared its deadline. */
  invocationErrors: { name: 'InvocationErrors', unit: 'Count' },
} as const satisfies Record<string, { name: string; unit: MetricUnit }>;

export type MetricKey = keyof typeof METRIC;

export interface MetricDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit: MetricUnit }[];
}

/** One EMF document: the `_aws` metadata, then dimension values, metric values and other members at the root. */
export interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: MetricDirective[] };
  [member: string]: unknown;
}

/** The specification's limit on metric definitions in one directive. */
const MAX_METRICS = 100;

/**
 * The document for one handler and topic. A value that is not a finite number (an empty batch's record age) is
 * left out with its definition: CloudWatch would reject the whole document for one `null`.
 */
export function emfDocument(o: {
  timestamp: number;
  handler: string;
  topic: string;
  values: Partial<Record<MetricKey, number>>;
  /** Members that are not metrics (searchable in CloudWatch Logs Insights). */
  properties?: Record<string, string | number>;
}): EmfDocument {
  const metrics: MetricDirective['Metrics'] = [];
  const members: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o.values) as [MetricKey, number | undefined][]) {
    if (value === undefined || !Number.isFinite(value)) continue;
    const { name, unit } = METRIC[key];
    metrics.push({ Name: name, Unit: unit });
    members[name] = value;
  }
  if (metrics.length > MAX_METRICS) throw new Error(`an EMF directive takes at most ${MAX_METRICS} metrics`);
  return {
    // `_aws` first: the dev log tells a metrics line from a log line by its start.
    _aws: {
      Timestamp: Math.round(o.timestamp),
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [[DIMENSION.handler, DIMENSION.topic], [DIMENSION.handler]],
          Metrics: metrics,
        },
      ],
    },
    [DIMENSION.handler]: o.handler,
    [DIMENSION.topic]: o.topic,
    ...members,
    ...o.properties,
  };
}

/** How an EMF line starts, as this module writes it: log readers use it to tell metrics from log lines. */
export const EMF_LINE_START = '{"_aws":';

/** The document of a log line, if the line is one. */
export function parseEmfLine(line: string): EmfDocument | undefined {
  if (!line.startsWith(EMF_LINE_START)) return undefined;
  try {
    const doc = JSON.parse(line) as EmfDocument;
    return Array.isArray(doc._aws?.CloudWatchMetrics) ? doc : undefined;
  } catch {
    return undefined;
  }
}
