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

// Kept on globalThis so a handler module reloaded by the emulator still reports to the same listeners.
const KEY = Symbol.for('kafka-lambda.invocation-listeners');
const listeners: Set<Listener> = ((globalThis as Record<symbol, unknown>)[KEY] as Set<Listener> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[KEY] = new Set<Listener>());

export function onInvocation(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function reportInvocation(report: InvocationReport): void {
  for (const listener of listeners) listener(report);
}
