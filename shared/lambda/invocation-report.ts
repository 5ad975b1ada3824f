import type { Failure } from './dead-letter';
import type { RecordLocation } from '../errors';
import type { HandlerContext, HandlerSpec, KafkaRecord, LambdaContext } from '../declarations/handler';
import type { MskEvent, MskRecord } from './msk-event';
import type { EmfDocument } from '../observability/emf';
import type { SpanReport } from '../observability/span-report';

/** What happened to one source topic's records in an invocation (usually the only topic: a mapping has one). */
export interface TopicTally {
  received: number;
  handled: number;
  /** Handler calls repeated after a failure; a batch retry counts once for each topic in the batch. */
  retries: number;
  /** Records not handed to the handler because an earlier one of their partition failed: delivered again. */
  skipped: number;
}

/** What one invocation did, record by record; the emulator's live figures, the metrics and the test kit read it. */
export interface InvocationReport {
  handler: string;
  group: string;
  records: number;
  /** Filled only when someone reads it record by record (the emulator, invokeHandler); `byTopic` counts always. */
  handled: RecordLocation[];
  /** Handler calls repeated after a failure (in-function retries). */
  retries: number;
  deadLettered: (RecordLocation & Failure & { deadLetterTopic: string })[];
  /** ReportBatchItemFailures mode: records left for the event source to deliver again. */
  failed: (RecordLocation & Failure)[];
  durationMs: number;
  /** Per source topic. */
  byTopic: Record<string, TopicTally>;
  /** The CloudWatch embedded-metric documents of the invocation (one per source topic), unless metrics are off. */
  metrics?: EmfDocument[];
  /** The spans of its records, when someone observes the invocation (the emulator's "follow this record"). */
  spans?: SpanReport;
}

/** What a hook learns when an invocation starts. */
export interface InvocationStart {
  readonly spec: HandlerSpec;
  readonly event: MskEvent;
  /** Epoch milliseconds when the adapter took the event. */
  readonly startedAt: number;
  /** Whether someone reads this invocation record by record (the emulator, the test kit). */
  readonly observed: boolean;
  /** Lambda's context object, when the runtime passed one. */
  readonly lambda?: LambdaContext;
}

/** One record on its way through the handler. */
export interface RecordScope {
  readonly raw: MskRecord;
  /** The decoded record; absent when it did not decode or validate. */
  readonly record?: KafkaRecord<unknown>;
  /** Set by the adapter when the record fails for good in this invocation. */
  failure?: Failure;
  /** What the adapter did with a failed record: wrote it to its dead-letter topic, or left it for redelivery. */
  outcome?: 'dead-lettered' | 'failed';
}

type Ctx = HandlerContext<never>;

/** What a hook does during one invocation. Every method is optional; none may fail a record. */
export interface InvocationObserver {
  /**
   * Runs one record's processing (its handler calls, retries and failure) inside what the observer adds, e.g. a
   * trace context. `call` must be called exactly once, with the context the handler is to get and the scope it
   * was given; its result is returned as is. Runs for every record: it allocates as little as it can.
   */
  aroundRecord?<T>(scope: RecordScope, ctx: Ctx, call: (ctx: Ctx, scope: RecordScope) => T): T;
  /** The same for one `handleBatch` call over the batch's valid records (retries included). */
  aroundBatch?<T>(
    scopes: readonly RecordScope[],
    ctx: Ctx,
    call: (ctx: Ctx, scopes: readonly RecordScope[]) => T,
  ): T;
  /** The invocation is still running shortly before Lambda's deadline: the last moment to say anything. */
  nearDeadline?(report: InvocationReport): void;
  /** The invocation ended; `error` when it failed whole (the batch is delivered again). */
  end?(report: InvocationReport, error?: unknown): void | Promise<void>;
}

/** Something that wants to know about invocations: metrics, tracing, the emulator, your own. */
export interface InvocationHook {
  /** Called as each invocation starts; returns what follows that invocation, or nothing to sit it out. */
  start(invocation: InvocationStart): InvocationObserver | undefined;
}

/** Hooks added by the application (or a test) for every handler of this container, after the built-in ones. */
const registered: InvocationHook[] = [];

/** Adds a hook for every invocation of this container; returns what removes it again. */
export function addInvocationHook(hook: InvocationHook): () => void {
  registered.push(hook);
  return () => {
    const at = registered.indexOf(hook);
    if (at >= 0) registered.splice(at, 1);
  };
}

export const registeredHooks = (): readonly InvocationHook[] => registered;

type Listener = (report: InvocationReport) => void;

/**
 * The emulator's window on an invocation: the function's answer to the event source is only the batch response,
 * but the emulator's figures need what happened to each record. The adapter reports here after every hook has
 * ended (so the report carries their metrics and spans); the emulator's container (shared/emulator/container.ts, in
 * the same worker as the handler module) listens. Plain module state: each container is a worker with its own
 * modules, and on Lambda nobody listens. Keyed by the event object rather than an AsyncLocalStorage, which would tax
 * every promise in the process.
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
