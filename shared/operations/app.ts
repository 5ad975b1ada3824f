/**
 * What the cluster tools know of an application: its plan (shared/declarations/app-plan.ts, the settled
 * declarations as plain data) and, for codecs and schemas, the topic declarations themselves. The operations
 * function is bundled with the plan as data and the topic catalog module (it never loads a handler module: their
 * top-level code belongs to their own functions); the local tools take both from the loaded manifest.
 */
import type { AppManifest } from '../declarations/app';
import { planApp, type AppPlan, type HandlerPlan, type TopicSettings } from '../declarations/app-plan';
import { topicsOf, type AnyTopic } from '../declarations/topic';

export type { TopicSettings } from '../declarations/app-plan';

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
  failureMode: HandlerPlan['failureMode'];
}

/** What the tools work from: the plan's topics and handlers, and the declarations that carry code. */
export interface OperationsApp {
  topics: readonly TopicSettings[];
  handlers: readonly HandlerRef[];
  /** A declared topic's codec and schemas; undefined for a topic the catalog does not declare. */
  declaration(topic: string): AnyTopic | undefined;
}

export function handlerRef(plan: HandlerPlan): HandlerRef {
  return {
    name: plan.name,
    group: plan.group,
    eventSources: plan.eventSources.map((e) => ({ topic: e.topic, group: e.consumerGroupId })),
    deadLetterTopics: plan.deadLetters.map((d) => d.topic),
    // One batch size per handler: every mapping of it has the declared one.
    batchSize: plan.eventSources[0]?.batchSize ?? 100,
    failureMode: plan.failureMode,
  };
}

/**
 * The plan the operations function is bundled with: the application's, without the handlers' module paths (the
 * function never loads them, and the bundle must not depend on where the project was checked out).
 */
export function operationsPlanOf(manifest: AppManifest): AppPlan {
  const plan = planApp(manifest);
  return { ...plan, handlers: plan.handlers.map(({ entry: _entry, ...rest }) => rest) };
}

function appOf(plan: AppPlan, declaration: (name: string) => AnyTopic | undefined): OperationsApp {
  return { topics: plan.topics, handlers: plan.handlers.map(handlerRef), declaration };
}

/** The tools' view of a loaded application: every topic's declaration is at hand. */
export function operationsAppOf(manifest: AppManifest): OperationsApp {
  const byName = new Map(manifest.topics.map((t) => [t.name, t]));
  return appOf(planApp(manifest), (name) => byName.get(name));
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

function isTopicSource(value: unknown): value is Parameters<typeof topicsOf>[0] {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'topic' || kind === 'family';
}

/**
 * The tools' view inside the operations function: the bundled plan, with codecs and schemas from the topic
 * catalog's exports. A topic the catalog does not declare (one declared in a handler module only, a dead-letter
 * topic) is read as bytes and cannot be published to.
 */
export function operationsAppFrom(plan: AppPlan, catalog: Readonly<Record<string, unknown>>): OperationsApp {
  const byName = new Map<string, AnyTopic>();
  for (const source of Object.values(catalog).filter(isTopicSource))
    for (const topic of topicsOf(source)) byName.set(topic.name, topic);
  return appOf(plan, (name) => byName.get(name));
}
