import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { FSWatcher } from 'node:fs';
import { retainDefaultSink } from '../lambda/adapter';
import { loadApp, type AppManifest, type HandlerModule } from '../declarations/app';
import { errorMessage } from '../errors';
import { eventSourcesOf, type LambdaHandler, type Logger } from '../declarations/handler';
import type { MskEvent } from '../lambda/msk-event';
import { loadModule } from '../declarations/load-module';
import { observeInvocation } from '../lambda/invocation-report';
import { alignTopics, type TopicPlan } from './align-topics';
import { forgetModules, watchForEdits } from './hot-reload';
import { Poller } from './poller';
import { retriable } from '../kafka/retriable';
import { HandlerStats } from './stats';

export interface EmulatorOptions {
  /** The application folder (topics.ts and handlers/). */
  appDir: string;
  brokers: string[];
  /** Run only these handlers (by name); default all. */
  only?: string[];
  log: Logger;
  /** Reload handler modules when files under appDir change. */
  watch?: boolean;
  /** Where lines meant for the person running it go (reloads); default: nowhere. */
  say?: (line: string) => void;
}

export interface Emulator {
  manifest: AppManifest;
  plans: TopicPlan[];
  stats: Map<string, HandlerStats>;
  /** Refreshes consumer lag per handler and topic. */
  refreshLag(): Promise<void>;
  stop(): Promise<void>;
}

function loadLambda(module: HandlerModule): LambdaHandler {
  const exports = loadModule<{ handler?: LambdaHandler }>(module.entry);
  if (typeof exports.handler !== 'function')
    throw new Error(`${module.entry} no longer exports a handler function`);
  return exports.handler;
}

async function lagOf(admin: Admin, group: string, topics: string[]): Promise<Map<string, number>> {
  const committed = await retriable(() => admin.fetchOffsets({ groupId: group, topics }));
  const lag = new Map<string, number>();
  for (const t of committed) {
    const ends = await admin.fetchTopicOffsets(t.topic);
    let sum = 0;
    for (const end of ends) {
      const c = t.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      sum += Number(end.high) - (c === '-1' ? Number(end.low) : Number(c));
    }
    lag.set(t.topic, sum);
  }
  return lag;
}

/**
 * Runs every handler of an application against a Kafka cluster as its event source mappings would on AWS:
 * topics aligned to their declarations, one consumer group per handler, the module's exported `handler`
 * invoked with MSK events, offsets committed after success.
 */
export async function startEmulator(o: EmulatorOptions): Promise<Emulator> {
  process.env.KAFKA_BROKERS ??= o.brokers.join(',');
  const manifest = loadApp(o.appDir);
  const modules = manifest.handlers.filter((h) => !o.only || o.only.includes(h.definition.name));
  const unknown = (o.only ?? []).filter((name) => !manifest.handlers.some((h) => h.definition.name === name));
  if (unknown.length)
    throw new Error(
      `no handler named ${unknown.join(', ')}; declared: ${manifest.handlers.map((h) => h.definition.name).join(', ')}`,
    );

  const kafka = new Kafka({
    clientId: 'kafka-lambda-emulator',
    brokers: o.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const plans = await alignTopics(admin, manifest.topics);

  const stats = new Map(modules.map((m) => [m.definition.name, new HandlerStats()]));
  const lambdas = new Map<string, LambdaHandler>();
  const pollers = modules.flatMap((module) =>
    eventSourcesOf(module.definition).map(
      (source) =>
        new Poller({
          kafka,
          admin,
          spec: module.definition,
          source,
          bootstrapServers: o.brokers.join(','),
          log: o.log,
          stats: stats.get(module.definition.name)!,
          invoke: (event: MskEvent) => {
            let lambda = lambdas.get(module.entry);
            if (!lambda) lambdas.set(module.entry, (lambda = loadLambda(module)));
            const stat = stats.get(module.definition.name)!;
            observeInvocation(event, (report) => stat.record(report));
            return lambda(event);
          },
        }),
    ),
  );
  await Promise.all(pollers.map((p) => p.start()));

  let watcher: FSWatcher | undefined;
  if (o.watch) {
    watcher = watchForEdits(o.appDir, (file) => {
      forgetModules(o.appDir);
      lambdas.clear();
      try {
        modules.forEach((m) => lambdas.set(m.entry, loadLambda(m)));
        o.say?.(`reloaded handlers (${file} changed)`);
      } catch (error) {
        lambdas.clear();
        o.log.error('reload failed; invocations retry until the file loads', {
          changed: file,
          error: errorMessage(error),
        });
      }
    });
  }

  const releaseSink = retainDefaultSink();
  return {
    manifest,
    plans,
    stats,
    async refreshLag() {
      for (const m of modules) {
        const lag = new Map<string, number>();
        for (const { topic, group } of eventSourcesOf(m.definition)) {
          for (const [name, n] of await lagOf(admin, group, [topic.name])) lag.set(name, n);
        }
        stats.get(m.definition.name)!.lag = lag;
      }
    },
    async stop() {
      watcher?.close();
      await Promise.all(pollers.map((p) => p.stop()));
      await releaseSink();
      await admin.disconnect();
    },
  };
}
