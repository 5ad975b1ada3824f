/**
 * Trace context on the wire, through OpenTelemetry's API: the only tracing dependency of a function bundle,
 * `@opentelemetry/api`, which does nothing until the application (or the ADOT Lambda layer) registers an SDK. With
 * an SDK, spans are real and parented as the messaging conventions say; without one, the framework still carries
 * the trace from record to record itself (ids of its own, written as W3C `traceparent`), so a trace continues
 * through every handler that publishes whether or not anyone records it.
 */
import {
  context,
  createTraceState,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { headerText, type MskHeader, type MskRecord } from '../lambda/msk-event';
import { publishAttributes } from './semconv';
import {
  formatTraceParent,
  SAMPLED,
  TRACEPARENT,
  TRACESTATE,
  traceContextOf,
  type TraceParent,
} from './trace-context';
import { newSpanId, newTraceId } from './trace-ids';

const TRACER_NAME = 'kafka-lambda';

/**
 * The tracer of the SDK the application registered, or undefined when none is: the API's global provider is a
 * proxy whose delegate is set only by an SDK's registration. Asked per invocation, so an SDK registered while the
 * handler module loads counts from its first event.
 */
export function sdkTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider() as ReturnType<typeof trace.getTracerProvider> & {
    getDelegateTracer?: (name: string) => Tracer | undefined;
  };
  return typeof provider.getDelegateTracer === 'function'
    ? provider.getDelegateTracer(TRACER_NAME)
    : provider.getTracer(TRACER_NAME);
}

/** Every value of a header of an event record, in record order, decoded as UTF-8. */
export function eventHeaderValues(headers: readonly MskHeader[] | undefined, name: string): string[] {
  const values: string[] = [];
  if (!headers) return values;
  for (const header of headers) {
    const bytes = header[name];
    if (bytes !== undefined) values.push(headerText(bytes));
  }
  return values;
}

/** The trace context an event record carries, if any valid one. */
export function recordTraceParent(record: Pick<MskRecord, 'headers'>): TraceParent | undefined {
  const headers = record.headers;
  if (!headers?.length) return undefined;
  let parents: string[] | undefined;
  let states: string[] | undefined;
  for (const header of headers) {
    const parent = header[TRACEPARENT];
    if (parent !== undefined) (parents ??= []).push(headerText(parent));
    const state = header[TRACESTATE];
    if (state !== undefined) (states ??= []).push(headerText(state));
  }
  return parents ? traceContextOf(parents, states ?? []) : undefined;
}

/** Reads an event record's headers for a propagator: one value as a string, several as a list. */
const eventHeaderGetter: TextMapGetter<readonly MskHeader[]> = {
  keys: (headers) => [...new Set(headers.flatMap((h) => Object.keys(h)))],
  get: (headers, key) => {
    const values = eventHeaderValues(headers, key);
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  },
};

/**
 * The context a record was produced in, for an SDK: what the registered propagators read from its headers (W3C
 * trace context, baggage, X-Ray, ...), or the record's own `traceparent` when they read no span from it.
 */
export function extractRecordContext(
  record: Pick<MskRecord, 'headers'>,
  parsed: TraceParent | undefined,
): Context {
  const extracted = record.headers?.length
    ? propagation.extract(ROOT_CONTEXT, record.headers, eventHeaderGetter)
    : ROOT_CONTEXT;
  if (trace.getSpanContext(extracted) || !parsed) return extracted;
  return trace.setSpanContext(extracted, spanContextOf(parsed, true));
}

/** The API's span context for ids parsed from a header (remote) or made by the framework (local). */
export function spanContextOf(ids: TraceParent, isRemote: boolean): SpanContext {
  return {
    traceId: ids.traceId,
    spanId: ids.spanId,
    traceFlags: ids.flags,
    isRemote,
    ...(ids.traceState !== undefined && { traceState: createTraceState(ids.traceState) }),
  };
}

/** The ids a span of the framework's own has when no SDK makes spans. */
export interface OwnSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: number;
  readonly traceState?: string;
}

/** Where a publish continues from: the context of an SDK span, or the framework's own span ids. */
export interface PublishParent {
  /** The SDK context of the record's (or batch's) span; undefined without an SDK. */
  context(): Context | undefined;
  /** The span's ids without an SDK. */
  own(): OwnSpan;
}

/** The headers one outgoing record carries, and the end of the publish span that made them. */
export interface PublishTrace {
  /** Trace headers for the i-th record of the publish. */
  headers(i: number): Record<string, string>;
  /** The publish finished; `error` when it failed. */
  end(error?: unknown): void;
}

const NO_PUBLISH_SPAN = (): void => {};

/** `traceparent` and (when present) `tracestate` of a span of the framework's own. */
export function ownHeaders(span: OwnSpan): Record<string, string> {
  const headers: Record<string, string> = {
    [TRACEPARENT]: formatTraceParent(span.traceId, span.spanId, span.flags),
  };
  if (span.traceState !== undefined) headers[TRACESTATE] = span.traceState;
  return headers;
}

/** A root span of the framework's own: a new trace, sampled so that an SDK downstream records it. */
export const newOwnSpan = (): OwnSpan => ({ traceId: newTraceId(), spanId: newSpanId(), flags: SAMPLED });

/**
 * Starts publishing `count` records to `topic`. With an SDK: a `publish` span (kind PRODUCER) under the active span
 * if there is one, else under `parent`, injected by the registered propagators. Without one: the parent's ids, so
 * the records continue its trace, or (no parent, e.g. a producer outside any handler) a new trace per record.
 */
export function startPublish(topic: string, count: number, parent?: PublishParent): PublishTrace {
  const tracer = sdkTracer();
  if (!tracer) {
    if (parent) {
      const headers = ownHeaders(parent.own());
      return { headers: () => headers, end: NO_PUBLISH_SPAN };
    }
    return { headers: () => ownHeaders(newOwnSpan()), end: NO_PUBLISH_SPAN };
  }
  const active = context.active();
  const base = trace.getSpan(active) || !parent ? active : (parent.context() ?? active);
  const span = tracer.startSpan(
    `publish ${topic}`,
    { kind: SpanKind.PRODUCER, attributes: publishAttributes(topic, count) },
    base,
  );
  const headers = injected(trace.setSpan(base, span), span);
  return { headers: () => headers, end: (error) => endSpan(span, error) };
}

/** What the registered propagators write for a context, with `traceparent` from the span if none of them did. */
function injected(ctx: Context, span: Span): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const sc = span.spanContext();
  if (carrier[TRACEPARENT] === undefined && isSpanContextValid(sc)) {
    carrier[TRACEPARENT] = formatTraceParent(sc.traceId, sc.spanId, sc.traceFlags);
    const state = sc.traceState?.serialize();
    if (state) carrier[TRACESTATE] = state;
  }
  return carrier;
}

/** Ends a span, marking it failed with the error when there is one. */
export function endSpan(span: Span, error?: unknown, failure?: { kind: string; message: string }): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  } else if (failure) {
    span.setAttribute('error.type', failure.kind);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  }
  span.end();
}

/**
 * The headers of a record to publish: the trace's, then the caller's. A caller that sets `traceparent` itself keeps
 * its own context and gets none of ours.
 */
export function withTraceHeaders<O extends { headers?: Record<string, string | Buffer> }>(
  options: O | undefined,
  traceHeaders: Record<string, string>,
): O {
  const own = options?.headers;
  if (own && TRACEPARENT in own) return options;
  return { ...(options as O), headers: own ? { ...traceHeaders, ...own } : traceHeaders };
}

/** Runs `fn` as a publish: headers from `trace`, its span ended with the outcome. */
export async function traced<T>(publish: PublishTrace, fn: () => Promise<T>): Promise<T> {
  try {
    const result = await fn();
    publish.end();
    return result;
  } catch (error) {
    publish.end(error);
    throw error;
  }
}
