import { jsonCodec, type Codec } from './codec';
import { DeclarationError } from '../errors';
import type { Infer, Schema } from './schema';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { isSchemaFormat, type AnySchemaFormat, type RegistryCodec } from '../schemas/format';
import { COMPATIBILITY_MODES, type Compatibility } from '../schemas/compatibility-mode';

/** Topic-level Kafka configs under their Kafka names, so they read the same here, in MSK and in the broker. */
export interface TopicConfig {
  'cleanup.policy'?: 'delete' | 'compact' | 'compact,delete';
  'retention.ms'?: number;
  'retention.bytes'?: number;
  'min.insync.replicas'?: number;
  'max.message.bytes'?: number;
  /** `LogAppendTime`: the broker stamps each record as it appends it; events then say `LOG_APPEND_TIME`. */
  'message.timestamp.type'?: 'CreateTime' | 'LogAppendTime';
  'segment.ms'?: number;
  'compression.type'?: 'producer' | 'gzip' | 'snappy' | 'lz4' | 'zstd' | 'uncompressed';
}

/** The key that decides the partition: a function of the value, or `null` for unkeyed (spread) records. */
export type KeyOf<T> = ((value: T) => string) | null;

/**
 * How a topic's key is declared: a typed function of the value, `null` (unkeyed), or an explicit key schema when
 * the key is not part of the value (publishers then pass `{ key }`, and incoming keys are validated).
 */
export type KeySpec<T> = KeyOf<T> | { schema: StandardSchemaV1<unknown, string> };

interface TopicShape<S extends StandardSchemaV1> {
  partitions: number;
  /**
   * Replicas of each partition (DESIGN.md, contract 6); the local emulator lowers it to the broker count and says so.
   * @default 3
   */
  replicationFactor?: number;
  /**
   * Topic-level Kafka configs.
   * @default { 'min.insync.replicas': 2 } (DESIGN.md, contract 6), the broker's defaults for the rest
   */
  config?: TopicConfig;
  /**
   * The value's schema: any Standard Schema (zod, valibot, arktype...) for JSON values, or a registry format,
   * `avro(schema)` or `protobuf(MessageSchema)`, for values in a schema registry's wire format.
   */
  value: S;
  /** A key schema may be a registry format too (`{ schema: avro('string') }`): keys are then written in it. */
  key: KeySpec<Infer<S>>;
  /**
   * How values become bytes and back (not with a registry format, which brings its own).
   * @default jsonCodec (UTF-8 JSON)
   */
  codec?: Codec;
  /**
   * How the value's schema may change from one deploy to the next (the schema registry's compatibility mode),
   * checked before synth against the schema lock file (README, "Schemas that evolve safely").
   * @default 'BACKWARD': consumers of the new schema read records written with the previous one
   */
  compatibility?: Compatibility;
  /** @default - none */
  description?: string;
}

export interface TopicOptions<S extends StandardSchemaV1> extends TopicShape<S> {
  name: string;
}

export interface TopicFamilyOptions<S extends StandardSchemaV1> extends TopicShape<S> {
  /** A name with one `{placeholder}`, e.g. `{server}_item_change`. */
  pattern: string;
  /** The members that exist (and are deployed); `of()` also accepts others. */
  members: readonly string[];
}

/** A concrete topic whose values are T. */
export interface Topic<T = unknown> {
  readonly kind: 'topic';
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly config: Readonly<Record<string, string>>;
  readonly schema: Schema<T>;
  readonly keyOf: KeyOf<T>;
  /** Set when the key is declared by a schema instead of derived from the value. */
  readonly keySchema?: Schema<string>;
  readonly codec: Codec;
  /** Set when the key is declared by a registry format: keys are written and read in its wire format. */
  readonly keyCodec?: RegistryCodec;
  /** The value's schema compatibility mode (the registry's, and the schema lock's check). */
  readonly compatibility: Compatibility;
  readonly description?: string;
  /** The family this topic belongs to, if any. */
  readonly family?: string;
}

/** One declaration for many topics of the same shape, e.g. one per game server. */
export interface TopicFamily<T = unknown> {
  readonly kind: 'family';
  readonly pattern: string;
  readonly members: readonly string[];
  /** The concrete topic for one member, e.g. `itemChange.of('eu1')` is `eu1_item_change`. */
  of(member: string): Topic<T>;
  /** Every declared member's topic. */
  readonly topics: readonly Topic<T>[];
  /** The member a topic name belongs to, or undefined when the name is not of this family. */
  memberOf(topicName: string): string | undefined;
}

export type TopicSource<T = unknown> = Topic<T> | TopicFamily<T>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: any topic, whatever its value type
export type AnyTopic = Topic<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: any source, whatever its value type
export type AnyTopicSource = TopicSource<any>;
export type ValueOf<S> = S extends TopicSource<infer T> ? T : never;

const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const PLACEHOLDER = /\{[a-zA-Z][a-zA-Z0-9]*\}/g;

export function assertTopicName(name: string, what = `topic "${name}"`): void {
  if (!LEGAL_NAME.test(name) || name === '.' || name === '..') {
    throw new DeclarationError(what, 'a topic name is 1-249 characters of a-z, A-Z, 0-9, ".", "_" and "-"');
  }
}

const withDefaultConfig = (config: TopicConfig | undefined, rf: number): TopicConfig => ({
  'min.insync.replicas': Math.min(2, rf),
  ...config,
});

/** Every rule a topic declaration must follow; each names the topic and the field. */
function checkTopicShape<S extends StandardSchemaV1>(what: string, name: string, shape: TopicShape<S>): void {
  assertTopicName(name, what);
  if (!Number.isInteger(shape.partitions) || shape.partitions < 1) {
    throw new DeclarationError(what, `partitions must be a positive integer, got ${shape.partitions}`);
  }
  const rf = shape.replicationFactor ?? 3;
  if (!Number.isInteger(rf) || rf < 1) {
    throw new DeclarationError(what, `replicationFactor must be a positive integer, got ${rf}`);
  }
  if (!shape.value || typeof shape.value['~standard']?.validate !== 'function') {
    throw new DeclarationError(what, 'value must be a Standard Schema (zod, valibot, arktype, ...)');
  }
  if (isSchemaFormat(shape.value) && shape.codec !== undefined) {
    throw new DeclarationError(what, 'codec: a registry format (avro, protobuf) brings its own codec');
  }
  if (shape.compatibility !== undefined && !COMPATIBILITY_MODES.includes(shape.compatibility)) {
    throw new DeclarationError(
      what,
      `compatibility must be one of ${COMPATIBILITY_MODES.join(', ')}, got ${String(shape.compatibility)}`,
    );
  }
  const minIsr = withDefaultConfig(shape.config, rf)['min.insync.replicas']!;
  if (!Number.isInteger(minIsr) || minIsr < 1 || minIsr > rf) {
    throw new DeclarationError(
      what,
      `min.insync.replicas ${minIsr} must be between 1 and the replication factor ${rf}`,
    );
  }
  if (rf > 1 && minIsr >= rf) {
    throw new DeclarationError(
      what,
      `min.insync.replicas ${minIsr} must be below the replication factor ${rf}, or one broker down stops all writes`,
    );
  }
}

function buildTopic<S extends StandardSchemaV1>(
  name: string,
  shape: TopicShape<S>,
  family?: string,
): Topic<Infer<S>> {
  // A constant in a function bundle: the checks drop out there (see defineHandler, shared/declarations/handler.ts).
  if (process.env.KAFKA_LAMBDA_DECLARATIONS !== 'checked') checkTopicShape(`topic "${name}"`, name, shape);
  const replicationFactor = shape.replicationFactor ?? 3;
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(withDefaultConfig(shape.config, replicationFactor)))
    if (v !== undefined) config[k] = String(v);
  const keySchema = shape.key !== null && typeof shape.key === 'object' ? shape.key.schema : undefined;
  // A registry format brings its codec (read as a property, not through isSchemaFormat: this runs in every bundle).
  const keyCodecOf = (keySchema as Partial<AnySchemaFormat> | undefined)?.['~codec'];
  const valueCodecOf = (shape.value as Partial<AnySchemaFormat>)['~codec'];
  return Object.freeze({
    kind: 'topic' as const,
    name,
    partitions: shape.partitions,
    replicationFactor,
    config: Object.freeze(config),
    schema: shape.value as Schema<Infer<S>>,
    keyOf: typeof shape.key === 'function' ? shape.key : null,
    ...(keySchema && { keySchema }),
    ...(keyCodecOf && { keyCodec: keyCodecOf(name, 'key') }),
    codec: valueCodecOf ? valueCodecOf(name, 'value') : (shape.codec ?? jsonCodec),
    compatibility: shape.compatibility ?? 'BACKWARD',
    ...(shape.description !== undefined && { description: shape.description }),
    ...(family !== undefined && { family }),
  });
}

/** Declares one topic: name, partitions, replication, configs, value schema and partition key. */
export function defineTopic<S extends StandardSchemaV1>(options: TopicOptions<S>): Topic<Infer<S>> {
  return buildTopic(options.name, options);
}

/** Declares a family of topics named by a pattern, e.g. `{server}_item_change`. */
export function defineTopicFamily<S extends StandardSchemaV1>(
  options: TopicFamilyOptions<S>,
): TopicFamily<Infer<S>> {
  const { pattern, members } = options;
  const placeholders = pattern.match(PLACEHOLDER) ?? [];
  if (placeholders.length !== 1) {
    throw new DeclarationError(`topic family "${pattern}"`, 'the pattern needs exactly one {placeholder}');
  }
  const [prefix, suffix] = pattern.split(placeholders[0]!) as [string, string];
  const cache = new Map<string, Topic<Infer<S>>>();
  const of = (member: string): Topic<Infer<S>> => {
    let topic = cache.get(member);
    if (!topic) {
      if (member.length === 0)
        throw new DeclarationError(`topic family "${pattern}"`, 'a member name is empty');
      topic = buildTopic(prefix + member + suffix, options, pattern);
      cache.set(member, topic);
    }
    return topic;
  };
  const topics = members.map(of);
  return Object.freeze({
    kind: 'family' as const,
    pattern,
    members: Object.freeze([...members]),
    of,
    topics: Object.freeze(topics),
    memberOf(topicName: string) {
      if (!topicName.startsWith(prefix) || !topicName.endsWith(suffix)) return undefined;
      const member = topicName.slice(prefix.length, topicName.length - suffix.length);
      return member.length > 0 ? member : undefined;
    },
  });
}

/** The concrete topics a source stands for. */
export function topicsOf(source: AnyTopicSource): readonly AnyTopic[] {
  return source.kind === 'topic' ? [source] : source.topics;
}

/** Whether a topic name is this source (or a member of this family). */
export function sourceIncludes(source: AnyTopicSource, topicName: string): boolean {
  return source.kind === 'topic' ? source.name === topicName : source.memberOf(topicName) !== undefined;
}
