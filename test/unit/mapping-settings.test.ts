/**
 * One translation from a declaration to its event source mapping: each declaration field, the CloudFormation
 * property infra deploys for it, and what the local event source does with the same settings.
 */
import * as z from 'zod';
import { defineHandler, defineTopic, type HandlerOptions } from '../../shared';
import { planHandler } from '../../shared/declarations/app-plan';
import { mappingSettings, maximumRecordAgeMs } from '../../shared/declarations/mapping-settings';
import type { AnyTopicSource } from '../../shared/declarations/topic';
import { DeclarationError } from '../../shared/errors';
import { localMapping, type LocalMapping } from '../../shared/emulator/event-source';
import { mappingProperties } from '../../infra/event-sources';

const orders = defineTopic({
  name: 'orders',
  partitions: 4,
  value: z.object({ kind: z.string() }),
  key: null,
});
const refunds = defineTopic({
  name: 'refunds',
  partitions: 2,
  value: z.object({ kind: z.string() }),
  key: null,
});

type Options = Partial<HandlerOptions<AnyTopicSource, never>>;
const BUCKET = 'arn:aws:s3:::on-failure-bucket';

function declare(options: Options) {
  return defineHandler({
    name: 'orders-handler',
    topics: [orders],
    handle() {},
    ...options,
  } as HandlerOptions<AnyTopicSource, never>);
}

/** The first mapping's CloudFormation properties and local behaviour. */
function translate(options: Options) {
  const [settings] = mappingSettings(declare(options));
  return {
    cfn: mappingProperties(settings!, BUCKET) as Record<string, unknown>,
    local: localMapping(settings!, 'orders-handler'),
    settings: settings!,
  };
}

const report = { failureMode: 'report-batch-item-failures' } as const;
const value = (json: unknown): Buffer => Buffer.from(JSON.stringify(json));

describe('a declaration field, its CloudFormation property and the emulator', () => {
  const rows: [string, Options, Record<string, unknown>, Partial<LocalMapping>][] = [
    [
      'defaults (dead-letter mode): the mapping retries a failed invocation until it succeeds',
      {},
      {
        topics: ['orders'],
        amazonManagedKafkaEventSourceConfig: { consumerGroupId: 'orders-handler' },
        batchSize: 100,
        startingPosition: 'LATEST',
        enabled: true,
      },
      { batch: { records: 100, windowMs: 500 }, readsBatchResponse: false, start: { from: 'latest' } },
    ],
    [
      'batch.size and batch.windowSeconds',
      { batch: { size: 250, windowSeconds: 2 } },
      { batchSize: 250, maximumBatchingWindowInSeconds: 2 },
      { batch: { records: 250, windowMs: 2000 } },
    ],
    [
      'group',
      { group: 'billing' },
      { amazonManagedKafkaEventSourceConfig: { consumerGroupId: 'billing' } },
      {},
    ],
    [
      "startingPosition: 'earliest'",
      { startingPosition: 'earliest' },
      { startingPosition: 'TRIM_HORIZON' },
      { start: { from: 'earliest' } },
    ],
    [
      'startingPosition: a timestamp, in whole seconds as the mapping takes it',
      { startingPosition: { timestamp: new Date('2025-01-02T03:04:05.678Z') } },
      { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: 1735787045 },
      { start: { from: 'timestamp', epochMs: 1735787045000 } },
    ],
    [
      'failureMode: report-batch-item-failures (defaults: 3 deliveries, then the bucket)',
      report,
      {
        functionResponseTypes: ['ReportBatchItemFailures'],
        maximumRetryAttempts: 2,
        maximumRecordAgeInSeconds: -1,
        bisectBatchOnFunctionError: false,
        destinationConfig: { onFailure: { destination: BUCKET } },
        provisionedPollerConfig: { minimumPollers: 1, maximumPollers: 4 },
      },
      { readsBatchResponse: true, attempts: 3, bisect: false, onFailure: { kind: 's3' } },
    ],
    [
      'retry.attempts: 1',
      { ...report, retry: { attempts: 1 } },
      { maximumRetryAttempts: 0 },
      { attempts: 1 },
    ],
    [
      "retry.attempts: 'unlimited' (AWS caps it at 10 retries with a destination)",
      { ...report, retry: { attempts: 'unlimited' } },
      { maximumRetryAttempts: -1 },
      { attempts: 11 },
    ],
    [
      'retry.maxRecordAgeSeconds',
      { ...report, retry: { maxRecordAgeSeconds: 600 } },
      { maximumRecordAgeInSeconds: 600 },
      { maxRecordAgeMs: 600_000 },
    ],
    [
      'retry.bisectOnError',
      { ...report, retry: { bisectOnError: true } },
      { bisectBatchOnFunctionError: true },
      { bisect: true },
    ],
    [
      'onFailure: a Kafka topic',
      { ...report, onFailure: { topic: 'orders-failed' } },
      { destinationConfig: { onFailure: { destination: 'kafka://orders-failed' } } },
      { onFailure: { kind: 'kafka', topic: 'orders-failed' } },
    ],
  ];

  test.each(rows)('%s', (_label, options, cfn, local) => {
    const translated = translate(options);
    expect(translated.cfn).toMatchObject(cfn);
    expect(translated.local).toMatchObject(local);
  });

  test('dead-letter mode sets none of the error-handling controls', () => {
    const { cfn, local } = translate({});
    for (const property of [
      'functionResponseTypes',
      'maximumRetryAttempts',
      'maximumRecordAgeInSeconds',
      'bisectBatchOnFunctionError',
      'destinationConfig',
      'provisionedPollerConfig',
      'filterCriteria',
      'maximumBatchingWindowInSeconds',
    ])
      expect(cfn[property]).toBeUndefined();
    expect(local.attempts).toBeUndefined();
    expect(local.filter).toBeUndefined();
    expect(local.maxRecordAgeMs).toBeUndefined();
    expect(local.bisect).toBe(false);
    expect(local.onFailure).toBeUndefined();
  });

  test('every mapping publishes its own metrics, in either mode: every kind a Kafka source takes', () => {
    for (const options of [{}, report]) {
      const { cfn, settings } = translate(options);
      expect(cfn.metricsConfig).toEqual({ metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] });
      expect(settings.metricsConfig.metrics).toEqual(['EventCount', 'ErrorCount', 'KafkaMetrics']);
    }
  });

  test('filter: the one pattern deployed is the one the emulator applies', () => {
    const { cfn, local } = translate({ filter: { kind: ['trade'] } });
    expect(cfn.filterCriteria).toEqual({ filters: [{ pattern: '{"value":{"kind":["trade"]}}' }] });
    expect(local.filter!(value({ kind: 'trade' }))).toBe(true);
    expect(local.filter!(value({ kind: 'loot' }))).toBe(false);
  });

  test('record age: seconds on the mapping, milliseconds for the emulator', () => {
    expect(maximumRecordAgeMs(translate({ ...report, retry: { maxRecordAgeSeconds: 600 } }).settings)).toBe(
      600_000,
    );
    expect(maximumRecordAgeMs(translate(report).settings)).toBeUndefined();
  });

  test('a handler over several topics: one mapping per topic, a group and pollers per topic', () => {
    const settings = mappingSettings(declare({ ...report, topics: [orders, refunds] }));
    expect(
      settings.map((s) => [s.topic, s.consumerGroupId, s.provisionedPollerConfig?.maximumPollers]),
    ).toEqual([
      ['orders', 'orders-handler.orders', 4],
      ['refunds', 'orders-handler.refunds', 2],
    ]);
  });

  test('the plan writes to a Kafka destination, and declares it like a dead-letter topic', () => {
    const plan = planHandler(declare({ ...report, onFailure: { topic: 'orders-failed' } }));
    expect(plan.writeTopics).toContain('orders-failed');
    expect(plan.onFailure).toEqual({ topic: 'orders-failed' });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan); // plain data
  });
});

describe('the error-handling controls are checked when declared', () => {
  const refused: [string, Options, RegExp][] = [
    [
      'record age below 60 s',
      { ...report, retry: { maxRecordAgeSeconds: 59 } },
      /retry\.maxRecordAgeSeconds.*60 to 604800, got 59/,
    ],
    [
      'record age over 7 days',
      { ...report, retry: { maxRecordAgeSeconds: 604_801 } },
      /retry\.maxRecordAgeSeconds/,
    ],
    [
      'more retries than the mapping takes',
      { ...report, retry: { attempts: 10_002 } },
      /retry\.attempts.*1 to 10001/,
    ],
    [
      'record age in dead-letter mode',
      { retry: { maxRecordAgeSeconds: 600 } },
      /retry\.maxRecordAgeSeconds is an event source mapping control/,
    ],
    [
      'bisection in dead-letter mode',
      { retry: { bisectOnError: true } },
      /retry\.bisectOnError is an event source mapping control/,
    ],
    [
      'a destination in dead-letter mode',
      { onFailure: { topic: 'x' } },
      /onFailure is an event source mapping control/,
    ],
    [
      'unlimited in-function retries',
      { retry: { attempts: 'unlimited' } },
      /retry\.attempts must be an integer from 1 to 100/,
    ],
    [
      'the source topic as destination',
      { ...report, onFailure: { topic: 'orders' } },
      /onFailure\.topic "orders" is one of its source topics/,
    ],
    [
      'an illegal destination topic name',
      { ...report, onFailure: { topic: 'a b' } },
      /onFailure\.topic "a b"/,
    ],
  ];

  test.each(refused)('%s', (_label, options, message) => {
    expect(() => declare(options)).toThrow(DeclarationError);
    expect(() => declare(options)).toThrow(message);
    expect(() => declare(options)).toThrow(/handler "orders-handler"/);
  });

  test('100 in-function tries at most in dead-letter mode, 10,001 deliveries in report mode', () => {
    expect(() => declare({ retry: { attempts: 101 } })).toThrow(/1 to 100, got 101/);
    expect(() => declare({ ...report, retry: { attempts: 10_001 } })).not.toThrow();
  });
});
