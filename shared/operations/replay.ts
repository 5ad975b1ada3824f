/**
 * Replaying dead letters to one handler after a fix: its function is invoked with the original records (original
 * topic, partition, offset, key, value, headers) in the MSK event Lambda would send, so no other consumer group
 * sees them again. Locally the function is the emulator's container; on AWS it is the handler's deployed function,
 * invoked by the operations function. A compacted ledger topic per group remembers what was replayed, so no dead
 * letter is replayed twice; a batch that fails stops the replay, and what was replayed before it stays recorded.
 */
import type { Admin } from 'kafkajs';
import { readBatchResponse } from '../emulator/batch-response';
import { toMskEvent, toMskRecord, type MskEvent } from '../lambda/msk-event';
import { replayLedgerTopic, type HandlerRef } from './app';
import { allDeadLetters, type DeadLetterEntry, type DeadLetterFilter } from './dead-letters';
import { OperationsError, type ReplayOutcome } from './protocol';
import type { ClusterSession } from './session';

/** The error document a function invocation fails with (Lambda's runtime's shape). */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
}

export type InvokeResult = { ok: true; payload: unknown } | { ok: false; error: FunctionError };

/** Invokes one function synchronously with a JSON payload, as Lambda's Invoke API does. */
export interface FunctionInvoker {
  invoke(payload: string): Promise<InvokeResult>;
}

/** Lambda's synchronous request limit: an event past it is refused before the function sees it. */
const REQUEST_LIMIT_BYTES = 6 * 1024 * 1024;

export interface ReplayOptions {
  session: ClusterSession;
  handler: HandlerRef;
  filter: DeadLetterFilter;
  invoker: FunctionInvoker;
  /** eventSourceArn and bootstrapServers of the events, as the handler's event source mapping sends them. */
  eventSource: Pick<MskEvent, 'eventSourceArn' | 'bootstrapServers'>;
  /** More matching dead letters than this are refused whole, before anything is invoked. */
  maxRecords: number;
  /** Count only. */
  dryRun?: boolean;
  /** Progress lines. */
  say?: (line: string) => void;
}

async function ensureLedger(admin: Admin, ledger: string): Promise<void> {
  if ((await admin.listTopics()).includes(ledger)) return;
  const brokers = (await admin.describeCluster()).brokers.length;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: ledger,
        numPartitions: 1,
        replicationFactor: Math.min(3, brokers),
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
  });
}

/** The ids the ledger holds: every dead letter replayed before. */
async function replayedBefore(session: ClusterSession, ledger: string): Promise<Set<string>> {
  const done = new Set<string>();
  if (!(await session.existingTopics()).has(ledger)) return done;
  const ranges = (await session.offsets(ledger)).map((p) => ({
    topic: ledger,
    partition: p.partition,
    from: p.low,
    to: p.high,
  }));
  await (await session.reader()).read(ranges, (r) => (r.key && done.add(r.key.toString()), true));
  return done;
}

/** Groups of at most `size` records whose event stays under Lambda's request limit. */
function batches(entries: readonly DeadLetterEntry[], size: number): DeadLetterEntry[][] {
  const out: DeadLetterEntry[][] = [];
  let current: DeadLetterEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const recordBytes = Buffer.byteLength(JSON.stringify(toMskRecord(entry.original))) + 1;
    if (current.length && (current.length >= size || bytes + recordBytes > REQUEST_LIMIT_BYTES - 4096)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += recordBytes;
  }
  if (current.length) out.push(current);
  return out;
}

export async function replayDeadLetters(o: ReplayOptions): Promise<ReplayOutcome> {
  const { session, handler } = o;
  const ledger = replayLedgerTopic(handler.group);
  const done = await replayedBefore(session, ledger);
  const matching = await allDeadLetters(session, handler, o.filter);
  const todo = matching.filter((e) => !done.has(e.id));
  const skipped = matching.length - todo.length;
  if (todo.length > o.maxRecords)
    throw new OperationsError(
      'too-many',
      `${todo.length} dead letters of ${handler.name} match and were not replayed before; one request replays at most ${o.maxRecords}: narrow the filter (since, until, error, kind or ids)`,
    );
  if (o.dryRun) return { replayed: 0, skipped, wouldReplay: todo.length, ids: todo.map((e) => e.id) };
  if (todo.length === 0) return { replayed: 0, skipped };

  await ensureLedger(await session.admin(), ledger);
  const producer = await session.producer();
  let replayed = 0;
  for (const chunk of batches(todo, handler.batchSize)) {
    const event = toMskEvent(
      chunk.map((e) => e.original),
      o.eventSource,
    );
    const outcome = await o.invoker.invoke(JSON.stringify(event));
    const after = `after ${replayed} of ${todo.length} (those are recorded in ${ledger})`;
    if (!outcome.ok)
      throw new OperationsError(
        'failed',
        `replay to ${handler.name} failed ${after}: ${outcome.error.errorType}: ${outcome.error.errorMessage}`,
      );
    if (handler.failureMode === 'report-batch-item-failures') {
      const offsets = new Map(
        Object.entries(event.records).map(([key, list]) => [key, new Set(list.map((r) => r.offset))]),
      );
      const reading = readBatchResponse(outcome.payload, offsets);
      if (!reading.valid || reading.failedAt.size > 0)
        throw new OperationsError(
          'failed',
          `replay to ${handler.name} reported failures ${after} (${reading.valid ? JSON.stringify(Object.fromEntries(reading.failedAt)) : reading.problem}); fix the handler and replay again`,
        );
    }
    await producer.send({
      topic: ledger,
      acks: -1,
      messages: chunk.map((e) => ({ key: e.id, value: new Date().toISOString() })),
    });
    replayed += chunk.length;
    o.say?.(`replayed ${replayed}/${todo.length}`);
  }
  return { replayed, skipped };
}
