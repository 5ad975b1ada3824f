import type { Failure } from './dead-letter';
import type { RecordLocation } from '../errors';

/** What one invocation did, record by record; the emulator's live figures and the test kit read it. */
export interface InvocationReport {
  handler: string;
  group: string;
  records: number;
  handled: RecordLocation[];
  /** Handler calls repeated after a failure (in-function retries). */
  retries: number;
  deadLettered: (RecordLocation & Failure & { deadLetterTopic: string })[];
  /** ReportBatchItemFailures mode: records left for the event source to deliver again. */
  failed: (RecordLocation & Failure)[];
  durationMs: number;
}

type Listener = (report: InvocationReport) => void;

/**
 * The emulator's window on an invocation: the function's answer to the event source is only the batch response,
 * but the emulator's figures need what happened to each record. The adapter reports here; the emulator's
 * container (shared/emulator/container.ts, in the same worker as the handler module) listens. Plain module state:
 * each container is a worker with its own modules, and on Lambda nobody listens. Keyed by the event object rather
 * than an AsyncLocalStorage, which would tax every promise in the process.
 */
const listeners = new WeakMap<object, Listener>();

/** Has the invocation of `event` report to `listener` (and to no other caller's listener). */
export function observeInvocation(event: object, listener: Listener): void {
  listeners.set(event, listener);
}

/** Whether someone reads the invocation of `event` record by record. */
export const isObserved = (event: object): boolean => listeners.has(event);

export function reportInvocation(event: object, report: InvocationReport): void {
  listeners.get(event)?.(report);
}
