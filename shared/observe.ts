import { AsyncLocalStorage } from 'node:async_hooks';
import type { Failure } from './dead-letter';
import type { RecordLocation } from './errors';

/** What one invocation did, record by record; the emulator's live figures and the test kit read it. */
export interface InvocationReport {
  handler: string;
  group: string;
  records: number;
  handled: RecordLocation[];
  deadLettered: (RecordLocation & Failure & { deadLetterTopic: string })[];
  /** ReportBatchItemFailures mode: records left for the event source to deliver again. */
  failed: (RecordLocation & Failure)[];
  durationMs: number;
}

type Listener = (report: InvocationReport) => void;

// One store per process, kept on globalThis so a handler module reloaded (or loaded twice) still reports to it.
const KEY = Symbol.for('kafka-lambda.invocation-observer');
const slot = globalThis as { [KEY]?: AsyncLocalStorage<Listener> };
const store = (slot[KEY] ??= new AsyncLocalStorage<Listener>());

/** Runs `fn` so that every invocation it makes reports to `listener` (and to no other caller's listener). */
export function observeInvocations<T>(listener: Listener, fn: () => T): T {
  return store.run(listener, fn);
}

export function reportInvocation(report: InvocationReport): void {
  store.getStore()?.(report);
}
