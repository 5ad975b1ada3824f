import * as z from 'zod';
import { defineHandler, defineTopic, lambdaHandler } from '../../shared';
import { emfDocument, METRICS_NAMESPACE, type EmfDocument } from '../../shared/observability/emf';
import { median } from '../../shared/observability/invocation-metrics';
import { mskEvent, rawRecord, record, runHandler } from '../../shared/testkit';

/**
 * The rules of CloudWatch's "Specification: Embedded metric format" (Amazon CloudWatch User Guide), one check per
 * MUST, written from the specification's text: a document breaking any of them is dropped by CloudWatch Logs.
 */
const UNITS = new Set(
  'Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second Count/Second None'.split(
    ' ',
  ),
);
const MAX_DIMENSIONS_PER_SET = 30;
const MAX_METRICS_PER_DIRECTIVE = 100;
const MAX_VALUES_PER_METRIC = 100;
const MAX_EVENT_BYTES = 1024 * 1024;

function emfViolations(line: string): string[] {
  const problems: string[] = [];
  const fail = (why: string): void => void problems.push(why);
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return ['the log event is not one JSON value'];
  }
  if (Buffer.byteLength(line) > MAX_EVENT_BYTES) fail('larger than a log event may be');
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return ['the root is not an object'];
  const root = doc as Record<string, unknown>;
  const meta = root._aws as Record<string, unknown> | undefined;
  if (typeof meta !== 'object' || meta === null) return ['no _aws metadata object'];
  const extra = (o: object, allowed: string[], what: string): void => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${what} has an extra member ${k}`);
  };
  extra(meta, ['Timestamp', 'CloudWatchMetrics'], '_aws');
  if (!Number.isInteger(meta.Timestamp) || (meta.Timestamp as number) < 0)
    fail('Timestamp is not a number of milliseconds since the epoch');
  if (!Array.isArray(meta.CloudWatchMetrics)) return [...problems, 'CloudWatchMetrics is not an array'];
  for (const directive of meta.CloudWatchMetrics as Record<string, unknown>[]) {
    extra(directive, ['Namespace', 'Dimensions', 'Metrics'], 'a MetricDirective');
    const ns = directive.Namespace;
    if (typeof ns !== 'string' || ns.length < 1 || ns.length > 255)
      fail('Namespace is not a 1-255 character string');
    if (!Array.isArray(directive.Dimensions)) fail('Dimensions is not an array of dimension sets');
    for (const set of (directive.Dimensions as unknown[]) ?? []) {
      if (!Array.isArray(set)) {
        fail('a DimensionSet is not an array');
        continue;
      }
      if (set.length > MAX_DIMENSIONS_PER_SET) fail('a DimensionSet has too many keys');
      for (const key of set)
        if (typeof key !== 'string' || typeof root[key] !== 'string')
          fail(`dimension ${String(key)} has no string target member`);
    }
    const metrics = directive.Metrics as Record<string, unknown>[];
    if (!Array.isArray(metrics)) {
      fail('Metrics is not an array');
      continue;
    }
    if (metrics.length > MAX_METRICS_PER_DIRECTIVE) fail('more than 100 MetricDefinitions');
    for (const m of metrics) {
      extra(m, ['Name', 'Unit', 'StorageResolution'], 'a MetricDefinition');
      if (typeof m.Name !== 'string' || m.Name.length < 1 || m.Name.length > 255)
        fail('a metric Name is invalid');
      if (m.Unit !== undefined && !UNITS.has(m.Unit as string))
        fail(`unit ${String(m.Unit)} is not a CloudWatch unit`);
      const target = root[m.Name as string];
      const numeric = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
      if (Array.isArray(target)) {
        if (target.length > MAX_VALUES_PER_METRIC || !target.every(numeric))
          fail(`metric ${String(m.Name)} is not an array of at most 100 numbers`);
      } else if (!numeric(target)) fail(`metric ${String(m.Name)} has no numeric target member`);
    }
  }
  return problems;
}

const Order = z.object({ userId: z.string(), seq: z.number().int() });
const orders = defineTopic({ name: 'orders', partitions: 4, value: Order, key: (o) => o.userId });
const returns = defineTopic({ name: 'returns', partitions: 2, value: Order, key: (o) => o.userId });

describe('the embedded-metric format checker', () => {
  it('refuses documents that break the specification', () => {
    const good = emfDocument({ timestamp: 1, handler: 'h', topic: 't', values: { received: 1 } });
    expect(emfViolations(JSON.stringify(good))).toEqual([]);
    const broken: [string, (d: EmfDocument) => void][] = [
      ['dimension', (d) => delete d.Topic],
      ['metric', (d) => (d.RecordsReceived = 'one')],
      ['Timestamp', (d) => (d._aws.Timestamp = 1.5)],
      ['unit', (d) => (d._aws.CloudWatchMetrics[0]!.Metrics[0]!.Unit = 'Records' as never)],
      ['extra member', (d) => ((d._aws as unknown as Record<string, unknown>).Extra = 1)],
      [
        '100',
        (d) => {
          const directive = d._aws.CloudWatchMetrics[0]!;
          for (let i = 0; i < 101; i++) {
            directive.Metrics.push({ Name: `M${i}`, Unit: 'Count' });
            d[`M${i}`] = i;
          }
        },
      ],
    ];
    for (const [what, breakIt] of broken) {
      const doc = structuredClone(good);
      breakIt(doc);
      expect(emfViolations(JSON.stringify(doc)).join('; ')).toContain(what);
    }
    expect(emfViolations('{"_aws": 1} trailing')).toEqual(['the log event is not one JSON value']);
  });
});

describe('metrics per invocation', () => {
  it('writes one valid document per invocation and topic, with the counts of what happened', async () => {
    let calls = 0;
    const h = defineHandler({
      name: 'metered',
      topics: [orders, returns],
      retry: { attempts: 2, backoff: { initialMs: 1, maxMs: 1 } },
      handle(r) {
        calls++;
        if (r.value.seq === 13) throw new Error('unlucky');
      },
    });
    const now = Date.now();
    const event = mskEvent([
      record(orders, { userId: 'u1', seq: 1 }, { timestamp: now - 5000 }),
      record(orders, { userId: 'u2', seq: 13 }, { timestamp: now - 3000 }),
      rawRecord(orders, '{"oops', { key: 'u3', timestamp: now - 1000 }),
      rawRecord(orders, '{"userId": 7, "seq": 1}', { key: 'u4', timestamp: now - 2000 }),
      record(returns, { userId: 'u5', seq: 2 }, { timestamp: now - 10_000 }),
    ]);
    const lines: string[] = [];
    const lambda = lambdaHandler(h, {
      metrics: { write: (line) => lines.push(line) },
      sink: () => ({ send: async () => {} }),
      log: { debug() {}, info() {}, warn() {}, error() {} },
      wait: async () => {},
    });
    await lambda(event, { awsRequestId: 'req-1' });
    const elapsed = Date.now() - now;
    expect(calls).toBe(4); // u1, u2 twice, u5
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(emfViolations(line)).toEqual([]);
    const [o, r] = ['orders', 'returns'].map((t) =>
      lines.map((l) => JSON.parse(l) as EmfDocument).find((d) => d.Topic === t)!,
    );
    expect(o!._aws.CloudWatchMetrics[0]!.Namespace).toBe(METRICS_NAMESPACE);
    expect(o).toMatchObject({
      Handler: 'metered',
      Group: 'metered',
      RequestId: 'req-1',
      RecordsReceived: 4,
      RecordsHandled: 1,
      RecordsRetried: 1,
      RecordsDeadLettered: 3,
      RecordsFailed: 3,
      RecordsFailedDecode: 1,
      RecordsFailedSchema: 1,
      RecordsFailedHandler: 1,
      RecordsFailedTimeout: 0,
      BatchSize: 5,
      InvocationErrors: 0,
    });
    // ages 5000, 3000, 1000 and 2000 ms at `now`, plus the moments until the invocation started
    expect(o!.RecordAgeMax).toBeGreaterThanOrEqual(5000);
    expect(o!.RecordAgeMax).toBeLessThanOrEqual(5000 + elapsed);
    expect(o!.RecordAgeP50).toBeGreaterThanOrEqual(2000); // nearest rank: the 2nd of 1000, 2000, 3000, 5000
    expect(o!.RecordAgeP50).toBeLessThanOrEqual(2000 + elapsed);
    expect(r).toMatchObject({ RecordsReceived: 1, RecordsHandled: 1, RecordsFailed: 0, BatchSize: 5 });
    expect(r!.RecordAgeMax).toBe(r!.RecordAgeP50);
  });

  it('reports the documents to the test kit and leaves out what is not a number', async () => {
    const h = defineHandler({ name: 'quiet', topics: [orders], handle() {} });
    const result = await runHandler(h, []);
    expect(result.metrics).toEqual([]);
    const doc = emfDocument({
      timestamp: 5,
      handler: 'h',
      topic: 't',
      values: { received: 0, recordAgeMax: NaN },
    });
    expect(doc).not.toHaveProperty('RecordAgeMax');
    expect(doc._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name)).toEqual(['RecordsReceived']);
  });

  it('writes the document before the deadline when the invocation is still running, counting the rest as timed out', async () => {
    let release = (): void => {};
    const h = defineHandler({
      name: 'slow',
      topics: [orders],
      concurrency: { by: 'key', maxInFlight: 1 },
      handle: (r) => (r.value.seq === 2 ? new Promise<void>((resolve) => (release = resolve)) : undefined),
    });
    const lines: string[] = [];
    let written = (): void => {};
    const firstLine = new Promise<void>((resolve) => (written = resolve));
    const lambda = lambdaHandler(h, {
      metrics: {
        write: (line) => {
          lines.push(line);
          written();
        },
      },
    });
    const deadline = Date.now() + 400;
    const done = lambda(
      mskEvent([
        record(orders, { userId: 'a', seq: 1 }),
        record(orders, { userId: 'b', seq: 2 }),
        record(orders, { userId: 'c', seq: 3 }),
      ]),
      { getRemainingTimeInMillis: () => deadline - Date.now() },
    );
    await firstLine; // due 100 ms before the deadline, while the second record still runs
    expect(lines).toHaveLength(1);
    expect(emfViolations(lines[0]!)).toEqual([]);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      RecordsReceived: 3,
      RecordsHandled: 1,
      RecordsFailedTimeout: 2,
      RecordsFailed: 2,
      InvocationErrors: 1,
    });
    release();
    await done;
    expect(lines).toHaveLength(1); // nothing more once it finishes after all
  });

  it('never fails a record for a writer that throws', async () => {
    const h = defineHandler({ name: 'quiet', topics: [orders], handle() {} });
    const lambda = lambdaHandler(h, {
      metrics: {
        write: () => {
          throw new Error('stdout is gone');
        },
      },
    });
    await expect(lambda(mskEvent([record(orders, { userId: 'a', seq: 1 })]))).resolves.toEqual({
      batchItemFailures: [],
    });
  });
});

describe('the batch median', () => {
  it('is the nearest-rank median, as sorting would find it', () => {
    for (let n = 1; n < 200; n += 7) {
      const values = Array.from({ length: n }, () => Math.floor(Math.random() * 50));
      const sorted = [...values].sort((a, b) => a - b);
      expect(median(Float64Array.from(values))).toBe(sorted[Math.ceil(n / 2) - 1]);
    }
    expect(median(new Float64Array(0))).toBeNaN();
  });
});
