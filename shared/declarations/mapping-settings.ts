/**
 * The one translation from a settled handler declaration to its event source mappings' settings, in the terms of
 * CloudFormation's AWS::Lambda::EventSourceMapping. infra/ deploys exactly these, and the emulator's event source
 * reads the same values (shared/emulator/event-source.ts), so what is green locally is configured alike on AWS.
 */
import { filterPattern } from './filter';
import { eventSourcesOf, type HandlerSpec, type RecordFormat } from './handler';
import type { AnyTopic } from './topic';
import { isRegistryCodec } from '../schemas/format';

/** Where the mapping sends what it gives up on; the S3 bucket's ARN is infra's to fill in. */
export type OnFailureSetting = { readonly kind: 's3' } | { readonly kind: 'kafka'; readonly topic: string };

/** One mapping (one topic: MSK mappings take exactly one), as CloudFormation takes it. */
export interface MappingSettings {
  readonly topic: string;
  /** AmazonManagedKafkaEventSourceConfig.ConsumerGroupId */
  readonly consumerGroupId: string;
  readonly batchSize: number;
  /** Absent: the mapping's default for Kafka (the emulator waits 500 ms, as the mapping does). */
  readonly maximumBatchingWindowInSeconds?: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  /** Seconds since the epoch, with AT_TIMESTAMP. */
  readonly startingPositionTimestamp?: number;
  /** FilterCriteria: the declared value filter as the one pattern `{"value": ...}`. */
  readonly filterCriteria?: { readonly filters: readonly [{ readonly pattern: string }] };
  readonly functionResponseTypes?: readonly ['ReportBatchItemFailures'];
  /** Retries after the first delivery; -1 unlimited. */
  readonly maximumRetryAttempts?: number;
  /** -1 unlimited. */
  readonly maximumRecordAgeInSeconds?: number;
  readonly bisectBatchOnFunctionError?: boolean;
  /** DestinationConfig.OnFailure: `kafka://<topic>`, or the handler's bucket ARN. */
  readonly onFailure?: OnFailureSetting;
  /** ProvisionedPollerConfig: the error-handling controls and partial batch responses need provisioned pollers. */
  readonly provisionedPollerConfig?: { readonly minimumPollers: number; readonly maximumPollers: number };
  /** MetricsConfig: the mapping's own metrics (MAPPING_METRICS). */
  readonly metricsConfig: { readonly metrics: typeof MAPPING_METRICS };
  /**
   * SchemaRegistryConfig (under the Kafka event source config), for a topic whose value or key is in a registry
   * format: the mapping validates and decodes those through the registry (infra fills in its URI and access).
   */
  readonly schemaRegistry?: {
    readonly eventRecordFormat: RecordFormat;
    readonly schemaValidationConfigs: readonly { readonly attribute: 'KEY' | 'VALUE' }[];
  };
}

/**
 * The mapping's own metrics, every kind CloudFormation's MetricsConfig takes for a Kafka source: `EventCount`
 * (events polled, filtered out, invoked, failed, dropped, sent to the on-failure destination), `ErrorCount` and
 * `KafkaMetrics` (the last two for MSK and self-managed Kafka only). Published in AWS/Lambda per
 * EventSourceMappingUUID; the filtered-out count is the one figure the function cannot see itself.
 */
export const MAPPING_METRICS = ['EventCount', 'ErrorCount', 'KafkaMetrics'] as const;

/** What CloudFormation's -1 means for MaximumRetryAttempts and MaximumRecordAgeInSeconds. */
export const UNLIMITED = -1;

/**
 * Lambda's cap on retries when MaximumRetryAttempts is unlimited and an on-failure destination is set (Lambda
 * developer guide, "Configuring error handling controls for Kafka event sources").
 */
export const UNLIMITED_RETRIES_WITH_DESTINATION = 10;

/** The declaration's starting position in the mapping's terms (AT_TIMESTAMP takes whole seconds). */
export function startingPositionOf(
  position: HandlerSpec['startingPosition'],
): Pick<MappingSettings, 'startingPosition' | 'startingPositionTimestamp'> {
  if (position === 'earliest') return { startingPosition: 'TRIM_HORIZON' };
  if (position === 'latest') return { startingPosition: 'LATEST' };
  const ms = new Date(position.timestamp).getTime();
  return { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: Math.floor(ms / 1000) };
}

const unlimitedOr = (value: number | 'unlimited'): number => (value === 'unlimited' ? UNLIMITED : value);

/**
 * The mapping settings of each of the handler's topics. In `report-batch-item-failures` mode the mapping reads the
 * function's partial batch response and makes the retries (attempts - 1 after the first delivery), with the
 * error-handling controls and an on-failure destination; they need provisioned pollers, at most one per partition
 * (Lambda caps pollers at the partition count). In `dead-letter` mode the function retries and dead-letters
 * itself, and the mapping keeps its defaults: a failed invocation (a dead-letter write that failed) is retried
 * until it succeeds, so nothing is skipped.
 */
export function mappingSettings(spec: HandlerSpec): MappingSettings[] {
  const filterCriteria = spec.filter && {
    filters: [{ pattern: filterPattern(spec.filter, spec.name) }] as const,
  };
  const report = spec.failureMode === 'report-batch-item-failures';
  return eventSourcesOf(spec).map(({ topic, group }) => ({
    ...registrySettings(topic, spec.recordFormat),
    topic: topic.name,
    consumerGroupId: group,
    batchSize: spec.batch.size,
    ...(spec.batch.windowSeconds !== undefined && {
      maximumBatchingWindowInSeconds: spec.batch.windowSeconds,
    }),
    ...startingPositionOf(spec.startingPosition),
    ...(filterCriteria && { filterCriteria }),
    metricsConfig: { metrics: MAPPING_METRICS },
    ...(report && {
      functionResponseTypes: ['ReportBatchItemFailures'] as const,
      maximumRetryAttempts: spec.retry.attempts === 'unlimited' ? UNLIMITED : spec.retry.attempts - 1,
      maximumRecordAgeInSeconds: unlimitedOr(spec.retry.maxRecordAgeSeconds),
      bisectBatchOnFunctionError: spec.retry.bisectOnError,
      onFailure:
        spec.onFailure === undefined || spec.onFailure === 's3'
          ? { kind: 's3' as const }
          : { kind: 'kafka' as const, topic: spec.onFailure.topic },
      provisionedPollerConfig: { minimumPollers: 1, maximumPollers: topic.partitions },
    }),
  }));
}

/**
 * A registry topic's mapping reads it through the schema registry. That needs provisioned pollers (Lambda,
 * "Using schema registries with Kafka event sources": not in on-demand mode), and an on-failure destination, where
 * the mapping sends records whose schema it cannot find (SCHEMA_NOT_FOUND) or whose bytes do not decode
 * (DESERIALIZATION_ERROR): without one it drops them. In `dead-letter` mode that is the handler's bucket, and
 * then Lambda caps the unlimited retries of a failed invocation at 10 (UNLIMITED_RETRIES_WITH_DESTINATION).
 * Settings of `report-batch-item-failures` mode, spread after these, keep theirs.
 */
function registrySettings(topic: AnyTopic, recordFormat: RecordFormat): Partial<MappingSettings> {
  const attributes = [
    ...(topic.keyCodec ? (['KEY'] as const) : []),
    ...(isRegistryCodec(topic.codec) ? (['VALUE'] as const) : []),
  ];
  if (attributes.length === 0) return {};
  return {
    schemaRegistry: {
      eventRecordFormat: recordFormat,
      schemaValidationConfigs: attributes.map((attribute) => ({ attribute })),
    },
    onFailure: { kind: 's3' },
    provisionedPollerConfig: { minimumPollers: 1, maximumPollers: topic.partitions },
  };
}

/**
 * Deliveries of a failing record before the mapping gives up on it and sends it to its destination, as Lambda
 * counts them: the first plus MaximumRetryAttempts, unlimited retries capped when a destination is set.
 * Undefined: retried until it succeeds (no destination, unlimited retries).
 */
export function deliveriesBeforeDiscard(settings: MappingSettings): number | undefined {
  const retries = settings.maximumRetryAttempts ?? UNLIMITED;
  if (retries !== UNLIMITED) return retries + 1;
  return settings.onFailure ? UNLIMITED_RETRIES_WITH_DESTINATION + 1 : undefined;
}

/** The age past which a record goes to the destination without an invocation, in ms; undefined: no limit. */
export function maximumRecordAgeMs(settings: MappingSettings): number | undefined {
  const seconds = settings.maximumRecordAgeInSeconds ?? UNLIMITED;
  return seconds === UNLIMITED ? undefined : seconds * 1000;
}
