/**
 * 5. Bundles: every handler bundled exactly as `cdk synth` bundles it (the infra's own KafkaLambdaStack and
 * NodejsFunction settings: minified, tree-shaken, source maps, Kafka client external for a handler that never
 * writes), then per bundle its size and its module initialization time (median over fresh `node` processes that
 * `require` it, with the deployed NODE_OPTIONS=--enable-source-maps).
 *
 * Baselines go through the same synthesis: hand-written handlers (bench/bundle-entries/) are added to the manifest
 * as extra functions, so no bundler setting is restated here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { App, type CfnElement } from 'aws-cdk-lib';
import { loadApp, manifestOf, type HandlerModule } from '../shared/declarations/app';
import { defineHandler, type AnyHandlerDefinition } from '../shared/declarations/handler';
import { loadModule } from '../shared/declarations/load-module';
import { defineTopic } from '../shared/declarations/topic';
import { PROJECT_ROOT } from '../infra/handler-function';
import { KafkaLambdaStack } from '../infra/stack';
import { now, type Benchmark } from './common';
import { BenchValue } from './records';
import { formatNumber, median, result, type Result } from './report';

const ENTRIES = resolve(__dirname, 'bundle-entries');
const SIZE_BUDGET_KB = 100;

const baselineTopic = defineTopic({
  name: 'bench.bundles',
  partitions: 12,
  value: BenchValue,
  key: (v) => v.userId,
});

/** A hand-written entry, declared only so the stack plans its function (publishing or not) like any handler. */
function baseline(name: string, file: string, publishes: boolean): HandlerModule {
  const definition = defineHandler({
    name,
    topics: [baselineTopic],
    ...(publishes ? { publishes: [baselineTopic] } : { deadLetter: false as const }),
    handle() {},
  });
  return { definition, entry: join(ENTRIES, file) };
}

/** A framework handler module outside an app folder: its one declaration and its file. */
function frameworkModule(file: string): HandlerModule {
  const entry = join(ENTRIES, file);
  const definition = Object.values(loadModule(entry)).find(
    (v): v is AnyHandlerDefinition => (v as { kind?: unknown } | null)?.kind === 'handler',
  );
  if (!definition) throw new Error(`${entry} declares no handler`);
  return { definition, entry };
}

/** Synthesizes the stack and returns each handler's bundled index.js. */
function synthesize(modules: readonly HandlerModule[], outdir: string): Map<string, string> {
  const context = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: object })
    .context;
  const app = new App({ outdir, context: { ...context } });
  const catalog = modules.flatMap((m) => [...m.definition.sources, ...m.definition.publishes]);
  const stack = new KafkaLambdaStack(app, 'BenchBundles', { manifest: manifestOf(catalog, modules) });
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), 'utf8')) as {
    Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
  };
  const files = new Map<string, string>();
  for (const [name, deployed] of stack.handlers) {
    const id = stack.resolve(
      stack.getLogicalId(deployed.function.fn.node.defaultChild as CfnElement),
    ) as string;
    const key = template.Resources[id]?.Properties.Code?.S3Key;
    if (!key) throw new Error(`no code asset for ${name}`);
    files.set(name, join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.js'));
  }
  return files;
}

const LOADER = `const t = performance.now(); const m = require(process.argv[1]);
const ms = performance.now() - t; if (typeof m.handler !== 'function') process.exit(3); process.stdout.write(String(ms));`;

/** One fresh process: the time `require` of the bundle took inside it, and the whole process's wall time. */
async function loadOnce(
  file: string,
  sourceMaps: boolean,
): Promise<{ requireMs: number; processMs: number }> {
  const env = { PATH: process.env.PATH ?? '', KAFKA_AUTH: 'iam', AWS_REGION: 'eu-west-1' };
  const started = now();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...(sourceMaps ? ['--enable-source-maps'] : []), '-e', LOADER, file],
    { env },
  );
  return { requireMs: Number(stdout), processMs: now() - started };
}

interface Loading {
  requireMs: number;
  processMs: number;
  requireMsWithoutMaps: number;
}

/**
 * Loads every bundle `times` times, round-robin (one process per bundle per round), so a burst of load on a shared
 * machine hits all bundles alike rather than one bundle's block of runs. The first round warms the file cache.
 */
async function measureLoading(
  files: ReadonlyMap<string, string>,
  times: number,
): Promise<Map<string, Loading>> {
  const samples = new Map(
    [...files.keys()].map((name) => [
      name,
      { withMaps: [] as number[], process: [] as number[], without: [] as number[] },
    ]),
  );
  for (let round = 0; round <= times; round++) {
    for (const [name, file] of files) {
      const a = await loadOnce(file, true);
      const b = await loadOnce(file, false);
      if (round === 0) continue;
      const s = samples.get(name)!;
      s.withMaps.push(a.requireMs);
      s.process.push(a.processMs);
      s.without.push(b.requireMs);
    }
  }
  return new Map(
    [...samples].map(([name, s]) => [
      name,
      {
        requireMs: median(s.withMaps),
        processMs: median(s.process),
        requireMsWithoutMaps: median(s.without),
      },
    ]),
  );
}

const kb = (file: string): number => statSync(file).size / 1024;

export const bundles: Benchmark = {
  id: 'bundles',
  title: 'bundles (as cdk synth builds them): size and module initialization',
  needsKafka: false,
  async run({ quick, say }) {
    const example = loadApp(join(PROJECT_ROOT, 'functions')).handlers;
    const quiet = loadApp(join(PROJECT_ROOT, 'test', 'infra', 'fixtures')).handlers.filter(
      (h) => h.definition.name === 'quiet-consumer',
    );
    const modules = [
      ...quiet,
      frameworkModule('quiet-consumer-mini.ts'),
      frameworkModule('quiet-avro-consumer.ts'),
      ...example,
      baseline('baseline-empty', 'empty.ts', false),
      baseline('baseline-consumer', 'hand-written-consumer.ts', false),
      baseline('baseline-publisher', 'hand-written-publisher.ts', true),
    ];
    const outdir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
    try {
      const started = now();
      const files = synthesize(modules, outdir);
      say(`  synthesized ${files.size} functions in ${((now() - started) / 1000).toFixed(1)} s`);
      const times = quick ? 3 : 10;
      const loading = await measureLoading(files, times);
      for (const [name, file] of files) {
        say(
          `  ${name}: ${formatNumber(kb(file))} KB, require ${formatNumber(loading.get(name)!.requireMs)} ms`,
        );
      }
      return report(
        files,
        loading,
        times,
        example.map((m) => m.definition.name),
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  },
};

function report(
  files: Map<string, string>,
  loading: Map<string, Loading>,
  times: number,
  exampleNames: readonly string[],
): Result[] {
  const size = (name: string): number => kb(files.get(name)!);
  const load = (name: string): Loading => loading.get(name)!;
  const loadNote = (name: string): string =>
    `${name}: require ${formatNumber(load(name).requireMs)} ms with --enable-source-maps, ` +
    `${formatNumber(load(name).requireMsWithoutMaps)} ms without; fresh process ${formatNumber(load(name).processMs)} ms ` +
    `(empty bundle: ${formatNumber(load('baseline-empty').processMs)} ms); median of ${times}`;
  const out: Result[] = [
    result({
      name: 'bundle size: quiet-consumer',
      unit: 'KB',
      value: size('quiet-consumer'),
      baseline: SIZE_BUDGET_KB,
      target: 1,
      better: 'lower',
      subject: 'test/infra/fixtures/handlers/quiet-consumer.ts (no publishes, deadLetter false), minified',
      against: `the ${SIZE_BUDGET_KB} KB budget`,
      notes: [
        `hand-written consumer with the same zod import (JSON.parse + validate): ${formatNumber(size('baseline-consumer'))} KB; framework share ${formatNumber(size('quiet-consumer') - size('baseline-consumer'))} KB`,
        `the same handler with zod/mini instead of zod: ${formatNumber(size('quiet-consumer-mini'))} KB`,
        `empty handler bundle: ${formatNumber(size('baseline-empty'))} KB`,
      ],
    }),
    result({
      name: 'init: quiet-consumer',
      unit: 'ms',
      value: load('quiet-consumer').requireMs,
      baseline: load('baseline-consumer').requireMs,
      target: null,
      better: 'lower',
      subject: 'require() of the quiet-consumer bundle in a fresh node (--enable-source-maps, as deployed)',
      against: 'the hand-written consumer bundle (zod + JSON.parse)',
      notes: [loadNote('quiet-consumer'), loadNote('baseline-consumer'), loadNote('baseline-empty')],
    }),
  ];
  out.push(
    result({
      name: 'bundle size: quiet-avro-consumer',
      unit: 'KB',
      value: size('quiet-avro-consumer'),
      baseline: size('quiet-consumer'),
      target: null,
      better: 'lower',
      subject:
        'bench/bundle-entries/quiet-avro-consumer.ts: quiet-consumer on an Avro topic (avsc, Glue wire format, SOURCE record format), minified',
      against: 'quiet-consumer on its JSON topic (zod)',
      notes: [loadNote('quiet-avro-consumer')],
    }),
  );
  for (const name of exampleNames) {
    out.push(
      result({
        name: `bundle size: ${name}`,
        unit: 'KB',
        value: size(name),
        baseline: size('baseline-publisher'),
        target: null,
        better: 'lower',
        subject: `functions/handlers/${name}.ts (carries the Kafka client), minified`,
        against: 'a hand-written publisher bundle (zod + kafkajs + MSK IAM signer)',
      }),
      result({
        name: `init: ${name}`,
        unit: 'ms',
        value: load(name).requireMs,
        baseline: load('baseline-publisher').requireMs,
        target: null,
        better: 'lower',
        subject: `require() of the ${name} bundle in a fresh node (--enable-source-maps)`,
        against: 'the hand-written publisher bundle (imports kafkajs and the signer up front)',
        notes: [loadNote(name)],
      }),
    );
  }
  out[1]!.notes.push(loadNote('baseline-publisher'));
  out[0]!.notes.push(
    `every bundle: ${[...files.keys()].map((n) => `${n} ${formatNumber(size(n))} KB`).join(', ')}`,
  );
  return out;
}
