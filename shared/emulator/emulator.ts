import type { FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { AppPlan, HandlerPlan } from '../declarations/app-plan';
import type { Logger } from '../declarations/handler';
import type { OnFailureSetting } from '../declarations/mapping-settings';
import type { AnyTopic } from '../declarations/topic';
import { errorMessage } from '../errors';
import { localHome } from '../local-home';
import { alignTopics, type TopicPlan } from './align-topics';
import { catalogTopics } from './catalog';
import type { EventSource } from './event-payload';
import { EventSourcePoller } from './event-source';
import { watchForEdits } from './hot-reload';
import { useLambdaTimeZone, type LocalEnvironmentOptions } from './function-environment';
import { localFunctionFor, type LocalFunction } from './local-function';
import { localClusterArn, localFunctionArn } from './local-arns';
import { learnApp } from './learn-app';
import { OnFailureDirectory, OnFailureTopic, type OnFailureDestination } from './on-failure';
import { partitionLag, totalLag } from '../operations/lag';
import { HandlerStats } from './stats';
import { localRegistryOf } from '../schemas/local-registry';
import { readSchemaLock, schemaLockPathOf } from '../schemas/schema-lock';

export interface EmulatorOptions {
  /** The application folder (topics.ts and handlers/). */
  appDir: string;
  /**
   * Its declarations, when the caller has learned them already (learnApp).
   * @default - learned from appDir in a throwaway worker
   */
  plan?: AppPlan;
  /**
   * The schema lock whose versions the local schema registry holds besides the declared ones.
   * @default - schemas.lock.json beside appDir
   */
  schemaLockPath?: string;
  brokers: string[];
  /**
   * Run only these handlers (by name).
   * @default - every handler
   */
  only?: string[];
  log: Logger;
  /**
   * Reload handler code when files under appDir change.
   * @default false
   */
  watch?: boolean;
  /**
   * Where lines meant for the person running it go (reloads).
   * @default - nowhere
   */
  say?: (line: string) => void;
  /**
   * Where the functions' stdout and stderr go.
   * @default - this process's stdout and stderr
   */
  output?: (chunk: string, stream: 'stdout' | 'stderr', handler: string) => void;
  /**
   * The local on-failure destination: a folder per handler, a JSON file per batch given up on.
   * @default `<local home>/on-failure` (KAFKA_LOCAL_HOME, else ~/.cache/kafka-lambda)
   */
  onFailureDir?: string;
  /**
   * The region in the local ARNs and AWS_REGION of the functions.
   * @default AWS_REGION, else us-east-1
   */
  region?: string;
  /**
   * The local DynamoDB that functions declaring tables get as DYNAMODB_ENDPOINT.
   * @default DYNAMODB_ENDPOINT of this process, else none
   */
  dynamodbEndpoint?: string;
  /**
   * Variables the functions get from this process by name, a local-only convenience: otherwise a function sees
   * only what the deployed one would (function-environment.ts).
   * @default - none
   */
  passEnvironment?: readonly string[];
}

/** Handler code was reloaded after an edit: whether every handler module loaded again. */
export interface ReloadEvent {
  at: Date;
  /** The file whose change caused it. */
  file: string;
  /** Handlers whose module failed to load, with why; empty when the reload succeeded. */
  failures: { handler: string; error: string }[];
}

const RELOADS_KEPT = 50;

export interface Emulator {
  /** The application's settled declarations, learned without running its modules in this process. */
  plan: AppPlan;
  /** The handlers it runs (all, or those named by `only`). */
  handlers: readonly HandlerPlan[];
  /**
   * A topic's declaration in the application's topic catalog, for its codec and schemas (the catalog is loaded on
   * first use; it is data, no handler code runs for it); undefined for a topic the catalog does not declare.
   */
  declaration(topic: string): AnyTopic | undefined;
  plans: TopicPlan[];
  stats: Map<string, HandlerStats>;
  /** The ARN the events carry as eventSourceArn: the local cluster's, in MSK's format. */
  clusterArn: string;
  onFailureDir: string;
  /** Refreshes consumer lag per handler, topic and partition. */
  refreshLag(): Promise<void>;
  /** A client of the cluster the emulator runs on, for reading it (the console browses topics and groups). */
  kafka: Kafka;
  brokers: readonly string[];
  /** Handler reloads after edits, oldest first (the latest 50). */
  reloads: ReloadEvent[];
  /** What the functions get beside their own environment; tools that invoke a function (replay) use the same. */
  functionSettings: LocalEnvironmentOptions & { region: string };
  /** Each running handler's function, by handler name: what the local Lambda endpoint invokes. */
  functions: ReadonlyMap<string, LocalFunction>;
  stop(): Promise<void>;
}

/**
 * Runs every handler of an application against a Kafka cluster as its event source mappings would on AWS:
 * topics aligned to their declarations, one consumer group per mapping, each handler's function in containers of
 * its own (worker threads with the function's environment, memory and timeout), invoked with the event as JSON text,
 * offsets committed as the mapping commits them.
 */
export async function startEmulator(o: EmulatorOptions): Promise<Emulator> {
  const plan = o.plan ?? (await learnApp(o.appDir));
  const handlers = plan.handlers.filter((h) => !o.only || o.only.includes(h.name));
  const unknown = (o.only ?? []).filter((name) => !plan.handlers.some((h) => h.name === name));
  if (unknown.length)
    throw new Error(
      `no handler named ${unknown.join(', ')}; declared: ${plan.handlers.map((h) => h.name).join(', ')}`,
    );
  const region = o.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const dynamodbEndpoint = o.dynamodbEndpoint ?? process.env.DYNAMODB_ENDPOINT?.trim();
  const schemaLock = readSchemaLock(o.schemaLockPath ?? schemaLockPathOf(o.appDir));
  const functionSettings = {
    region,
    schemaLock,
    ...(dynamodbEndpoint && { dynamodbEndpoint }),
    ...(o.passEnvironment && { passEnvironment: o.passEnvironment }),
  };
  // Lambda runs functions in UTC; a worker cannot have a time zone of its own, so this process takes it.
  useLambdaTimeZone();
  const onFailureDir = o.onFailureDir ?? join(localHome(), 'on-failure');
  // Before anything connects: a variable that cannot be passed through fails the start here.
  const functions = new Map(
    handlers.map((h) => [
      h.name,
      localFunctionFor(h, {
        brokers: o.brokers,
        topics: plan.topics,
        ...functionSettings,
        ...(o.output && { output: o.output }),
      }),
    ]),
  );

  const kafka = new Kafka({
    clientId: 'kafka-lambda-emulator',
    brokers: o.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const plans = await alignTopics(admin, plan.topics);
  const clusterArn = localClusterArn(region, (await admin.describeCluster()).clusterId);
  const event: EventSource = {
    eventSource: 'aws:kafka',
    eventSourceArn: clusterArn,
    bootstrapServers: o.brokers.join(','),
  };

  const stats = new Map(handlers.map((h) => [h.name, new HandlerStats()]));
  // One container per function ahead of traffic: the first batch does not wait for a cold start, and a module
  // that does not load says so now.
  const warming = [...functions.values()].map(async (fn) => {
    const error = await fn.warm();
    if (error)
      o.log.error('the handler module does not load', {
        handler: fn.name,
        error: `${error.errorType}: ${error.errorMessage}`,
      });
  });
  const destinations = onFailureDestinations(kafka, onFailureDir);
  // The mappings of registry topics read them through the local registry, filled from the declarations and the lock.
  const schemaRegistry = localRegistryOf(plan.topics, schemaLock);
  const partitionsOf = new Map(plan.topics.map((t) => [t.name, t.partitions]));
  const pollers = handlers.flatMap((handler) =>
    handler.eventSources.map(
      (settings) =>
        new EventSourcePoller({
          kafka,
          admin,
          handler: handler.name,
          settings,
          partitions: partitionsOf.get(settings.topic) ?? 1,
          fn: functions.get(handler.name)!,
          functionArn: localFunctionArn(region, handler.name),
          event,
          onFailure: destinations.for(settings.onFailure),
          log: o.log,
          stats: stats.get(handler.name)!,
          ...(schemaRegistry.size > 0 && { schemaRegistry }),
        }),
    ),
  );
  await Promise.all([...pollers.map((p) => p.start()), ...warming]);

  const reloads: ReloadEvent[] = [];
  let watcher: FSWatcher | undefined;
  if (o.watch) {
    watcher = watchForEdits(o.appDir, (file) => {
      void Promise.all(
        [...functions.values()].map(async (fn) => {
          fn.reload();
          const error = await fn.warm();
          if (!error) return [];
          const reason = `${error.errorType}: ${error.errorMessage}`;
          o.log.error('reload failed; invocations retry until the module loads', {
            handler: fn.name,
            changed: file,
            error: reason,
          });
          return [{ handler: fn.name, error: reason }];
        }),
      ).then((failed) => {
        const failures = failed.flat();
        reloads.push({ at: new Date(), file, failures });
        if (reloads.length > RELOADS_KEPT) reloads.shift();
        if (!failures.length) o.say?.(`reloaded handlers (${file} changed)`);
      });
    });
  }

  let catalog: ReadonlyMap<string, AnyTopic> | undefined;
  return {
    plan,
    handlers,
    declaration: (topic) => (catalog ??= catalogTopics(o.appDir)).get(topic),
    plans,
    stats,
    clusterArn,
    onFailureDir,
    kafka,
    brokers: o.brokers,
    reloads,
    functionSettings,
    functions,
    async refreshLag() {
      for (const h of handlers) {
        const lag = new Map<string, number>();
        const rows = [];
        for (const { topic, consumerGroupId } of h.eventSources) {
          const partitions = await partitionLag(admin, consumerGroupId, topic);
          lag.set(topic, totalLag(partitions));
          rows.push(...partitions);
        }
        const s = stats.get(h.name)!;
        s.lag = lag;
        s.partitionLag = rows;
      }
    },
    async stop() {
      watcher?.close();
      await Promise.all(pollers.map((p) => p.stop()));
      await Promise.all([...functions.values()].map((fn) => fn.stop()));
      await destinations.close();
      await admin
        .disconnect()
        .catch((error: unknown) => o.log.warn('admin disconnect failed', { error: errorMessage(error) }));
    },
  };
}

/**
 * The on-failure destinations of the mappings: the local folder for S3 (and for a record too large for any
 * invocation when no destination is declared), a topic on this cluster for a Kafka destination, written by one
 * producer that acknowledges a record only once every in-sync replica has it.
 */
function onFailureDestinations(
  kafka: Kafka,
  dir: string,
): { for(setting: OnFailureSetting | undefined): OnFailureDestination; close(): Promise<void> } {
  const folder = new OnFailureDirectory(dir);
  let producer: Producer | undefined;
  let connecting: Promise<void> | undefined;
  const send = async (topic: string, records: readonly { key: Buffer | null; value: string }[]) => {
    if (!producer) {
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      connecting = producer.connect();
    }
    await connecting;
    await producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value })) });
  };
  return {
    for: (setting) => (setting?.kind === 'kafka' ? new OnFailureTopic(setting.topic, send) : folder),
    close: async () => {
      await producer?.disconnect();
    },
  };
}
