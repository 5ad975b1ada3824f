import type { Failure } from './dead-letter';
import type { RecordLocation } from '../errors';

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

// Kept on globalThis so a handler module reloaded (or loaded twice) still reports to the emulator. Keyed by the
// event object rather than an AsyncLocalStorage: async context tracking taxes every promise in the process.
const KEY = Symbol.for('kafka-lambda.invocation-observers');
const slot = globalThis as { [KEY]?: WeakMap<object, Listener> };
const listeners = (slot[KEY] ??= new WeakMap<object, Listener>());

/** Has the invocation of `event` report to `listener` (and to no other caller's listener). */
export function observeInvocation(event: object, listener: Listener): void {
  listeners.set(event, listener);
}

export function reportInvocation(event: object, report: InvocationReport): void {
  listeners.get(event)?.(report);
}
