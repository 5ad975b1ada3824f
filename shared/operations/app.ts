/**
 * What the cluster tools know of an application, as plain data: its topics with their settings and, per handler,
 * its consumer groups, dead-letter topics and how it takes a batch. The operations function gets this at bundle
 * time (it never loads a handler module: their top-level code belongs to their own functions) and the topic
 * catalog module for the schemas; the local tools derive the same data from the loaded manifest.
 */
import type { AppManifest } from '../declarations/app';
import { eventSourcesOf, type AnyHandlerDefinition } from '../declarations/handler';
import { topicsOf, type AnyTopic } from '../declarations/topic';
import { deadLetterTopics } from '../lambda/dead-letter';

/** A topic's settings as declared (dead-letter topics included). */
export interface TopicSettings {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Readonly<Record<string, string>>;
}

/** One event source mapping: the topic it reads and the consumer group it commits to. */
export interface EventSourceRef {
  topic: string;
  group: string;
}

/** A handler as the tools see it: enough to list its groups and dead letters and to replay to its function. */
export interface HandlerRef {
  name: string;
  group: string;
  eventSources: EventSourceRef[];
  deadLetterTopics: string[];
  /** Replays invoke its function with at most this many records, as its event source mapping would. */
  batchSize: number;
  failureMode: 'dead-letter' | 'report-batch-item-failures';
}

/** The JSON the operations function is bundled with. */
export interface OperationsPlan {
  topics: TopicSettings[];
  handlers: HandlerRef[];
}

/** The plan plus the declarations that carry code (codecs, schemas): what the tools work from. */
export interface OperationsApp extends OperationsPlan {
  /** A declared topic's codec and schemas; undefined for a topic the catalog does not declare. */
  declaration(topic: string): AnyTopic | undefined;
}

/** The operations function's settings, the same on AWS and locally. */
export const OPERATIONS_FUNCTION = {
  memoryMb: 1024,
  /** A replay invokes the handler batch by batch within this; its own function's timeout bounds each batch. */
  timeoutSeconds: 300,
  /** The most records one replay or publish request may carry, unless configured otherwise. */
  maxRecordsPerRequest: 1000,
} as const;

/** The compacted topic that remembers which dead letters a handler's group has replayed. */
export const replayLedgerTopic = (group: string): string => `${group}.dlq-replayed`;

function handlerRef(definition: AnyHandlerDefinition): HandlerRef {
  return {
    name: definition.name,
    group: definition.group,
    eventSources: eventSourcesOf(definition).map((s) => ({ topic: s.topic.name, group: s.group })),
    deadLetterTopics: deadLetterTopics(definition).map((t) => t.name),
    batchSize: definition.batch.size,
    failureMode: definition.failureMode,
  };
}

const settingsOf = (t: AnyTopic): TopicSettings => ({
  name: t.name,
  partitions: t.partitions,
  replicationFactor: t.replicationFactor,
  config: { ...t.config },
});

/** The plan of a loaded application. */
export function operationsPlanOf(manifest: AppManifest): OperationsPlan {
  return {
    topics: manifest.topics.map(settingsOf),
    handlers: manifest.handlers.map((h) => handlerRef(h.definition)),
  };
}

/** The tools' view of a loaded application: every topic's declaration is at hand. */
export function operationsAppOf(manifest: AppManifest): OperationsApp {
  const byName = new Map(manifest.topics.map((t) => [t.name, t]));
  return { ...operationsPlanOf(manifest), declaration: (name) => byName.get(name) };
}

function isTopicSource(value: unknown): value is Parameters<typeof topicsOf>[0] {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'topic' || kind === 'family';
}

/**
 * The tools' view inside the operations function: the bundled plan, with codecs and schemas from the topic
 * catalog's exports. A topic the catalog does not declare (one declared in a handler module only, a dead-letter
 * topic) is read as bytes and cannot be published to.
 */
export function operationsAppFrom(
  plan: OperationsPlan,
  catalog: Readonly<Record<string, unknown>>,
): OperationsApp {
  const byName = new Map<string, AnyTopic>();
  for (const source of Object.values(catalog).filter(isTopicSource))
    for (const topic of topicsOf(source)) byName.set(topic.name, topic);
  return { ...plan, declaration: (name) => byName.get(name) };
}
