import type { FSWatcher } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { loadApp, type AppManifest } from '../declarations/app';
import { eventSourcesOf, type Logger } from '../declarations/handler';
import { mappingSettings } from '../declarations/mapping-settings';
import { errorMessage } from '../errors';
import { localHome } from '../local-home';
import { alignTopics, type TopicPlan } from './align-topics';
import type { EventSource } from './event-payload';
import { EventSourcePoller } from './event-source';
import { watchForEdits } from './hot-reload';
import { localFunctionFor, type LocalFunction } from './local-function';
import { localClusterArn, localFunctionArn } from './local-arns';
import { OnFailureDirectory } from './on-failure';
import { partitionLag, totalLag } from '../operations/lag';
import { HandlerStats } from './stats';
import { localRegistryOf } from '../schemas/local-registry';
import { topicSettings } from '../declarations/app-plan';
import { readSchemaLock, SCHEMA_LOCK_FILE } from '../schemas/schema-lock';

export interface EmulatorOptions {
  /** The application folder (topics.ts and handlers/). */
  appDir: string;
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
  manifest: AppManifest;
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
  const manifest = loadApp(o.appDir);
  const modules = manifest.handlers.filter((h) => !o.only || o.only.includes(h.definition.name));
  const unknown = (o.only ?? []).filter((name) => !manifest.handlers.some((h) => h.definition.name === name));
  if (unknown.length)
    throw new Error(
      `no handler named ${unknown.join(', ')}; declared: ${manifest.handlers.map((h) => h.definition.name).join(', ')}`,
    );
  const region = o.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const onFailureDir = o.onFailureDir ?? join(localHome(), 'on-failure');

  const kafka = new Kafka({
    clientId: 'kafka-lambda-emulator',
    brokers: o.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const plans = await alignTopics(admin, manifest.topics);
  const clusterArn = localClusterArn(region, (await admin.describeCluster()).clusterId);
  const event: EventSource = {
    eventSource: 'aws:kafka',
    eventSourceArn: clusterArn,
    bootstrapServers: o.brokers.join(','),
  };

  const stats = new Map(modules.map((m) => [m.definition.name, new HandlerStats()]));
  const functions = new Map(
    modules.map((m) => [
      m.definition.name,
      localFunctionFor(m, { brokers: o.brokers, region, ...(o.output && { output: o.output }) }),
    ]),
  );
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
  const onFailure = new OnFailureDirectory(onFailureDir);
  // The mappings of registry topics read them through the local registry, filled from the declarations and the lock.
  const schemaRegistry = localRegistryOf(
    manifest.topics.map(topicSettings),
    readSchemaLock(o.schemaLockPath ?? join(dirname(resolve(o.appDir)), SCHEMA_LOCK_FILE)),
  );
  const pollers = modules.flatMap((module) => {
    const settings = mappingSettings(module.definition); // one per event source, in the same order
    return eventSourcesOf(module.definition).map(
      (source, i) =>
        new EventSourcePoller({
          kafka,
          admin,
          spec: module.definition,
          source,
          settings: settings[i]!,
          fn: functions.get(module.definition.name)!,
          functionArn: localFunctionArn(region, module.definition.name),
          event,
          onFailure,
          log: o.log,
          stats: stats.get(module.definition.name)!,
          ...(schemaRegistry.size > 0 && { schemaRegistry }),
        }),
    );
  });
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

  return {
    manifest,
    plans,
    stats,
    clusterArn,
    onFailureDir,
    kafka,
    brokers: o.brokers,
    reloads,
    functions,
    async refreshLag() {
      for (const m of modules) {
        const lag = new Map<string, number>();
        const rows = [];
        for (const { topic, group } of eventSourcesOf(m.definition)) {
          const partitions = await partitionLag(admin, group, topic.name);
          lag.set(topic.name, totalLag(partitions));
          rows.push(...partitions);
        }
        const s = stats.get(m.definition.name)!;
        s.lag = lag;
        s.partitionLag = rows;
      }
    },
    async stop() {
      watcher?.close();
      await Promise.all(pollers.map((p) => p.stop()));
      await Promise.all([...functions.values()].map((fn) => fn.stop()));
      await admin
        .disconnect()
        .catch((error: unknown) => o.log.warn('admin disconnect failed', { error: errorMessage(error) }));
    },
  };
}
