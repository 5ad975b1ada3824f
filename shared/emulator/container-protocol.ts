/**
 * What the emulator and one of its function containers (a worker thread, see container.ts) say to each other.
 * Responses cross as JSON text, as they cross Lambda's invoke API: the event source gets exactly what
 * `JSON.stringify` makes of the answer. Events from the event source cross packed in the container's transfer
 * buffer (event-transfer.ts) and are rebuilt as the plain data `JSON.parse` makes of their text; other events
 * (a dead-letter replay) cross as JSON text.
 */
import type { Failure } from '../lambda/dead-letter';
import type { RecordLocation } from '../errors';
import type { PackedEvent } from './event-transfer';
import type { EmfDocument } from '../observability/emf';
import type { SpanReport } from '../observability/span-report';

/** What the container needs to start: the module to load and the function's identity. */
export interface ContainerSetup {
  entry: string;
  /** The export Lambda calls, `handler` for every handler module. */
  exportName: string;
  functionName: string;
  functionArn: string;
  memoryMb: number;
  logGroupName: string;
  logStreamName: string;
  /** Shared with the emulator, which writes packed events into it (event-transfer.ts). */
  transfer: SharedArrayBuffer;
}

/** The error document Lambda's runtime returns for a failed invocation. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

/** An invocation's record-level outcome, summed up to cross the thread boundary cheaply. */
export interface InvocationSummary {
  records: number;
  handled: number;
  retries: number;
  deadLettered: (RecordLocation & Failure & { deadLetterTopic: string })[];
  failed: (RecordLocation & Failure)[];
  /** The EMF documents the function printed for the invocation. */
  metrics?: EmfDocument[];
  /** Its records' spans, for "follow this record". */
  spans?: SpanReport;
}

export type ToContainer =
  | ({ type: 'invoke'; id: string; deadlineMs: number; clientContext?: unknown } & (
      { event: string } | { packed: PackedEvent }
    ))
  /** Finish, disconnect what the module opened (its producer), then exit. */
  | { type: 'shutdown' };

export type FromContainer =
  | { type: 'ready'; initMs: number }
  | { type: 'init-error'; error: FunctionError }
  /** `payload` is the JSON text of what the handler returned (`null` for undefined). */
  | { type: 'result'; id: string; payload: string; summary?: InvocationSummary }
  | { type: 'error'; id: string; error: FunctionError; summary?: InvocationSummary }
  | { type: 'closed' };
