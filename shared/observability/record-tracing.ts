/**
 * The tracing hook of the adapter: each record's handler call runs inside the trace context its headers carry (a
 * `process` span, kind CONSUMER, child of the producer's), a batch's inside one span linked to every record, and a
 * `ctx.publish` from either continues that trace. Nothing here may fail a record: a header that does not parse
 * starts a trace of its own, and an SDK that throws leaves the record to run untraced.
 */
import {
  context,
  SpanKind,
  trace,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { HandlerContext } from '../declarations/handler';
import type {
  InvocationHook,
  InvocationObserver,
  InvocationReport,
  InvocationStart,
  RecordScope,
} from '../lambda/invocation-report';
import { batchAttributes, processAttributes, ATTR } from './semconv';
import { SpanReportBuilder, type SpanOutcome } from './span-report';
import { TRACEPARENT, TRACESTATE, traceContextOf, type TraceParent } from './trace-context';
import { newSpanId } from './trace-ids';
import {
  endSpan,
  extractRecordContext,
  newOwnSpan,
  recordTraceParent,
  sdkTracer,
  startPublish,
  traced,
  withTraceHeaders,
  type OwnSpan,
  type PublishParent,
} from './tracing';

type Ctx = HandlerContext<never>;
type PublishFn = (
  topic: { name: string },
  value: unknown,
  options?: Parameters<Ctx['publish']>[2],
) => Promise<void>;

/**
 * The handler's context for one record or batch: the invocation's, with a `publish` that writes the trace headers of
 * `parent()`. One object per record, its `publish` made only when the handler reaches for it.
 */
abstract class TracedContext implements PublishParent {
  #publish: PublishFn | undefined;

  constructor(protected readonly base: Ctx) {}

  abstract context(): Context | undefined;
  abstract own(): OwnSpan;

  get handler(): string {
    return this.base.handler;
  }
  get group(): string {
    return this.base.group;
  }
  get log(): Ctx['log'] {
    return this.base.log;
  }
  get table(): Ctx['table'] {
    return this.base.table;
  }
  get publish(): PublishFn {
    return (this.#publish ??= (topic, value, options) => {
      const publish = startPublish(topic.name, 1, this);
      return traced(publish, () =>
        (this.base.publish as PublishFn)(topic, value, withTraceHeaders(options, publish.headers(0))),
      );
    });
  }
}

/** Without an SDK: the record's own span, its ids made only when a publish or the emulator asks for them. */
class OwnRecordContext extends TracedContext {
  #parent: TraceParent | null | undefined;
  #own: OwnSpan | undefined;

  constructor(
    base: Ctx,
    private readonly scope: RecordScope,
  ) {
    super(base);
  }

  /** The producer's context from the record's headers, if valid: as decoded for the handler, when it decoded. */
  get parent(): TraceParent | undefined {
    if (this.#parent === undefined) this.#parent = traceParentOf(this.scope) ?? null;
    return this.#parent ?? undefined;
  }

  context(): Context | undefined {
    return undefined;
  }

  own(): OwnSpan {
    if (!this.#own) {
      const p = this.parent;
      this.#own = p
        ? { traceId: p.traceId, spanId: newSpanId(), flags: p.flags, traceState: p.traceState }
        : newOwnSpan();
    }
    return this.#own;
  }
}

/** The trace context a record carries, read from the header values the adapter decoded for the handler if it could. */
function traceParentOf(scope: RecordScope): TraceParent | undefined {
  const values = scope.record?.headerValues;
  if (!values) return recordTraceParent(scope.raw);
  const parents = values[TRACEPARENT];
  return parents ? traceContextOf(parents, values[TRACESTATE] ?? []) : undefined;
}

/** A span of the framework's own for a batch: a new trace. */
class OwnBatchContext extends TracedContext {
  readonly #own = newOwnSpan();

  context(): Context | undefined {
    return undefined;
  }

  own(): OwnSpan {
    return this.#own;
  }
}

/** With an SDK: the span it made; publishes continue from its context. */
class SdkContext extends TracedContext {
  constructor(
    base: Ctx,
    readonly span: Span,
    private readonly active: Context,
  ) {
    super(base);
  }

  context(): Context {
    return this.active;
  }

  own(): OwnSpan {
    const sc = this.span.spanContext();
    return { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags };
  }
}

/** Runs `run`, then `done` with its outcome, whether it returns, resolves, throws or rejects. */
function settle<T>(run: () => T, done: (error?: unknown) => void): T {
  let result: T;
  try {
    result = run();
  } catch (error) {
    done(error);
    throw error;
  }
  if (result instanceof Promise)
    return result.then(
      (value: unknown) => {
        done();
        return value;
      },
      (error: unknown) => {
        done(error);
        throw error;
      },
    ) as T;
  done();
  return result;
}

/** How many records the invocation's event holds: at most one span each, and one for a batch. */
function recordsIn(inv: InvocationStart): number {
  let n = 0;
  for (const list of Object.values(inv.event.records ?? {})) n += list.length;
  return n;
}

const outcomeOf = (scope: RecordScope, error: unknown): SpanOutcome =>
  error !== undefined ? 'failed' : (scope.outcome ?? 'handled');

class InvocationTracing implements InvocationObserver {
  readonly #spans: SpanReportBuilder | undefined;
  /** Whether the handler may publish: only then does a record need a context of its own. */
  readonly #publishes: boolean;

  constructor(
    private readonly inv: InvocationStart,
    private readonly tracer: Tracer | undefined,
  ) {
    this.#spans = inv.observed ? new SpanReportBuilder(recordsIn(inv) + 1) : undefined;
    this.#publishes = inv.spec.publishes.length > 0;
  }

  aroundRecord<T>(scope: RecordScope, ctx: Ctx, call: (ctx: Ctx, scope: RecordScope) => T): T {
    if (this.tracer) return this.#sdkRecord(this.tracer, scope, ctx, call);
    const spans = this.#spans;
    if (!spans) return call(this.#publishes ? new OwnRecordContext(ctx, scope) : ctx, scope);
    // Reported for "follow this record": written out rather than with settle(), this runs for every record.
    const started = Date.now();
    const own = new OwnRecordContext(ctx, scope);
    let result: T;
    try {
      result = call(this.#publishes ? own : ctx, scope);
    } catch (error) {
      this.#reportOwn(scope, own, started, error);
      throw error;
    }
    if (result instanceof Promise)
      return result.then(
        (value: unknown) => {
          this.#reportOwn(scope, own, started, undefined);
          return value;
        },
        (error: unknown) => {
          this.#reportOwn(scope, own, started, error);
          throw error;
        },
      ) as T;
    this.#reportOwn(scope, own, started, undefined);
    return result;
  }

  #reportOwn(scope: RecordScope, own: OwnRecordContext, started: number, error: unknown): void {
    const span = own.own();
    this.#report(scope, span, own.parent?.spanId, started, outcomeOf(scope, error));
  }

  #sdkRecord<T>(tracer: Tracer, scope: RecordScope, ctx: Ctx, call: (ctx: Ctx, scope: RecordScope) => T): T {
    const started = Date.now();
    const { raw } = scope;
    let sdk: SdkContext;
    let parentSpanId: string | undefined;
    try {
      const from = extractRecordContext(raw, recordTraceParent(raw));
      parentSpanId = trace.getSpanContext(from)?.spanId;
      const { group, name } = this.inv.spec;
      const attributes = processAttributes(raw, scope.record?.key ?? undefined, group, name);
      const span = tracer.startSpan(`process ${raw.topic}`, { kind: SpanKind.CONSUMER, attributes }, from);
      sdk = new SdkContext(ctx, span, trace.setSpan(from, span));
    } catch {
      return call(ctx, scope); // an SDK that fails must not fail the record
    }
    return settle(
      () => context.with(sdk.context(), call, undefined, this.#publishes ? sdk : ctx, scope),
      (error) => {
        const outcome = outcomeOf(scope, error);
        sdk.span.setAttribute(ATTR.outcome, outcome);
        endSpan(sdk.span, error, scope.failure);
        this.#report(scope, sdk.own(), parentSpanId, started, outcome);
      },
    );
  }

  aroundBatch<T>(
    scopes: readonly RecordScope[],
    ctx: Ctx,
    call: (ctx: Ctx, scopes: readonly RecordScope[]) => T,
  ): T {
    const started = Date.now();
    const parents = scopes.map((s) => recordTraceParent(s.raw));
    const topics = [...new Set(scopes.map((s) => s.raw.topic))];
    const topic = topics.length === 1 ? topics[0] : undefined;
    let traced: TracedContext = new OwnBatchContext(ctx);
    let run = (): T => call(this.#publishes ? traced : ctx, scopes);
    let finish: (error?: unknown) => void = () => {};
    if (this.tracer) {
      try {
        const links: Link[] = [];
        scopes.forEach((s, i) => {
          const sc = trace.getSpanContext(extractRecordContext(s.raw, parents[i]));
          if (sc) links.push({ context: sc });
        });
        const ambient = context.active();
        const { group, name } = this.inv.spec;
        const span = this.tracer.startSpan(
          topic ? `process ${topic}` : 'process',
          { kind: SpanKind.CONSUMER, links, attributes: batchAttributes(topic, scopes.length, group, name) },
          ambient,
        );
        const sdk = new SdkContext(ctx, span, trace.setSpan(ambient, span));
        traced = sdk;
        const inner = run;
        run = () => context.with(sdk.context(), inner);
        finish = (error) => endSpan(span, error, scopes.find((s) => s.failure)?.failure);
      } catch {
        // an SDK that fails leaves the batch to run with the framework's own ids
      }
    }
    return settle(run, (error) => {
      finish(error);
      if (!this.#spans) return;
      const first = scopes[0]?.raw;
      const failed = scopes.find((s) => s.failure);
      this.#spans.add(
        {
          ...traced.own(),
          topic: topic ?? first?.topic ?? '',
          partition: first?.partition ?? 0,
          start: started,
          end: Date.now(),
          outcome: error !== undefined ? 'failed' : failed ? (failed.outcome ?? 'failed') : 'handled',
        },
        parents.flatMap((p) => (p ? [p.traceId] : [])),
      );
    });
  }

  #report(
    scope: RecordScope,
    own: OwnSpan,
    parentSpanId: string | undefined,
    started: number,
    outcome: SpanOutcome,
  ): void {
    const { raw } = scope;
    this.#spans?.addSpan(
      own.traceId,
      own.spanId,
      parentSpanId,
      raw.topic,
      raw.partition,
      Number(raw.offset),
      started,
      Date.now(),
      outcome,
    );
  }

  async end(report: InvocationReport): Promise<void> {
    if (this.#spans) report.spans = this.#spans.build();
    if (this.tracer) await flushSdk();
  }
}

/**
 * Exports the spans the SDK holds before Lambda freezes the environment. The ADOT layer's Lambda instrumentation
 * flushes after each invocation only when it could wrap the handler, which it cannot do to an esbuild bundle's
 * exports (they are getters); this does it in any case.
 */
async function flushSdk(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
  await provider.getDelegate?.().forceFlush?.();
}

/** Tracing for every invocation; it sits out one with nothing to carry, record or report. */
export const tracingHook: InvocationHook = {
  start(inv) {
    const tracer = sdkTracer();
    if (!tracer && !inv.observed && inv.spec.publishes.length === 0) return undefined;
    return new InvocationTracing(inv, tracer);
  },
};
