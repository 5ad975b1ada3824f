/**
 * The tools' remote path against their direct one, in the same run (issue 21): listing 10,000 dead letters and
 * tailing 100,000 records through the local stack (the AWS SDK's Lambda client, the loopback Invoke endpoint, the
 * operations function's container, the broker) against the same commands talking to Kafka from this process. Both
 * go page by page through the same tools; the remote pages also cross Lambda's 6 MB response limit.
 */
import { resolve } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { allLetters } from '../cli/commands/dlq';
import { tailTopic } from '../cli/commands/tail';
import { emulatorTools } from '../cli/tools';
import type { AnyHandlerDefinition } from '../shared/declarations/handler';
import type { AnyTopic } from '../shared/declarations/topic';
import { loadModule } from '../shared/declarations/load-module';
import { startEmulator } from '../shared/emulator/emulator';
import {
  LOCAL_CREDENTIALS,
  LOCAL_OPERATIONS_FUNCTION,
  startLocalStack,
} from '../shared/emulator/local-stack';
import { deadLetterRecord } from '../shared/lambda/dead-letter';
import { RemoteTools, type ClusterTools } from '../shared/operations';
import { now, rounds, silentLogger, waitUntil, type Benchmark } from './common';
import { fillTopic, recordCount, type BenchKafka } from './kafka';
import { benchValue } from './records';
import { describeRuns, median, result } from './report';

const APP_DIR = resolve(__dirname, 'app');

/** Writes `count` dead letters as the adapter writes them: original key, value and headers, plus the dlq headers. */
async function fillDeadLetters(
  bk: BenchKafka,
  handler: AnyHandlerDefinition,
  source: AnyTopic,
  count: number,
): Promise<void> {
  const producer = bk.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let from = 0; from < count; from += 2000) {
      const letters = [];
      for (let i = from; i < Math.min(count, from + 2000); i++) {
        const value = Buffer.from(JSON.stringify(benchValue(i)));
        const raw = {
          topic: source.name,
          partition: i % source.partitions,
          offset: i,
          timestamp: Date.now(),
          timestampType: 'CREATE_TIME' as const,
          key: null,
          value,
          headers: [],
        };
        letters.push(
          deadLetterRecord(handler, raw, { kind: 'handler', message: `bench failure ${i}`, attempts: 3 }),
        );
      }
      await producer.send({
        topic: letters[0]!.topic,
        acks: 1,
        messages: letters.map((l) => ({
          key: l.key,
          value: l.value,
          headers: Object.fromEntries(l.headers.map((h) => [h.key, h.value ?? ''])),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = now();
  await fn();
  return now() - started;
}

export const operationsTools: Benchmark = {
  id: 'operations',
  title: 'operations tools: dlq list and tail through the local stack (remote path) vs directly',
  needsKafka: true,
  async run({ quick, say }, bk) {
    const letters = quick ? 2_000 : 10_000;
    const records = quick ? 20_000 : 100_000;
    process.env.BENCH_TOPIC = bk!.name('operations');
    process.env.BENCH_GROUP = bk!.name('operations.noop');
    const { benchInput } = loadModule<{ benchInput: AnyTopic }>(resolve(APP_DIR, 'topics'));
    const { noop } = loadModule<{ noop: AnyHandlerDefinition }>(resolve(APP_DIR, 'handlers', 'noop.ts'));
    await bk!.createTopics([benchInput]);
    await fillTopic(bk!.kafka, benchInput, records, (i) => benchValue(i));
    const stored = await recordCount(bk!.admin, benchInput.name);

    const emulator = await startEmulator({
      appDir: APP_DIR,
      brokers: bk!.brokers,
      log: silentLogger,
      output: () => {},
    });
    // The handler reads the topic once; measured afterwards, so its work is not in the figures.
    const stats = emulator.stats.get(noop.name)!;
    await waitUntil(() => stats.handled >= stored, 'the handler to read the topic', 120_000, 50);
    await fillDeadLetters(bk!, noop, benchInput, letters);
    const stack = await startLocalStack({ emulator, register: false, output: () => {} });
    const direct: ClusterTools = emulatorTools(emulator);
    const remote: ClusterTools = new RemoteTools({
      lambda: new LambdaClient({
        region: stack.region,
        endpoint: stack.endpoint,
        credentials: LOCAL_CREDENTIALS,
      }),
      functionName: LOCAL_OPERATIONS_FUNCTION,
      target: 'stack local',
    });
    const listed = { direct: 0, remote: 0 };
    const tailed = { direct: 0, remote: 0 };
    const list = (tools: ClusterTools, into: 'direct' | 'remote') =>
      timed(async () => void (listed[into] = (await allLetters(tools, noop.name, {})).length));
    const tail = (tools: ClusterTools, into: 'direct' | 'remote') =>
      timed(async () => {
        let bytes = 0;
        tailed[into] = await tailTopic(tools, benchInput.name, {
          fromBeginning: true,
          toEnd: true,
          print: (line) => void (bytes += line.length),
          stopped: () => false,
        });
        if (bytes === 0) throw new Error('tail printed nothing');
      });
    try {
      const listing = await rounds(
        { direct: () => list(direct, 'direct'), remote: () => list(remote, 'remote') },
        { warmup: 1, runs: quick ? 3 : 5 },
        say,
      );
      const tailing = await rounds(
        { direct: () => tail(direct, 'direct'), remote: () => tail(remote, 'remote') },
        { warmup: 1, runs: quick ? 3 : 5 },
        say,
      );
      if (listed.direct !== letters || listed.remote !== letters)
        throw new Error(`listed ${listed.direct} directly and ${listed.remote} remotely, wrote ${letters}`);
      if (tailed.direct !== stored || tailed.remote !== stored)
        throw new Error(
          `tailed ${tailed.direct} directly and ${tailed.remote} remotely, the topic holds ${stored}`,
        );
      return [
        result({
          name: `dlq list, ${letters} dead letters, remote path`,
          unit: 'ms',
          value: median(listing.samples.remote),
          baseline: median(listing.samples.direct),
          target: 3,
          better: 'lower',
          subject: `dlq list --stack local: ${letters} dead letters, every page through the SDK, the Invoke endpoint and the operations function's container`,
          against: 'dlq list on the cluster directly (the same tools in this process)',
          notes: [
            describeRuns('remote', listing.samples.remote, 'ms'),
            describeRuns('direct', listing.samples.direct, 'ms'),
          ],
        }),
        result({
          name: `tail --to-end, ${stored} records, remote path`,
          unit: 'ms',
          value: median(tailing.samples.remote),
          baseline: median(tailing.samples.direct),
          target: 3,
          better: 'lower',
          subject: `tail --stack local --from-beginning --to-end: ${stored} records decoded and validated, printed as JSON lines`,
          against: 'tail on the cluster directly (the same tools in this process)',
          notes: [
            describeRuns('remote', tailing.samples.remote, 'ms'),
            describeRuns('direct', tailing.samples.direct, 'ms'),
          ],
        }),
      ];
    } finally {
      await remote.close();
      await direct.close();
      await stack.stop();
      await emulator.stop();
    }
  },
};
