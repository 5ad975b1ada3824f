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
import type { TraceParent } from './trace-context';
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

/** Without an SDK: the record's own span, its ids made only when a publish or the emulator asks for them. */
class OwnRecordSpan implements PublishParent {
  #parent: TraceParent | null | undefined;
  #own: OwnSpan | undefined;

  constructor(private readonly headers: RecordScope['raw']) {}

  /** The producer's context from the record's headers, if valid. */
  get parent(): TraceParent | undefined {
    if (this.#parent === undefined) this.#parent = recordTraceParent(this.headers) ?? null;
    return this.#parent ?? undefined;
  }

  context(): Context | undefined {
    return undefined;
  }

  own(): OwnSpan {
    if (!this.#own) {
      const p = this.parent;
      this.#own = p
        ? {
            traceId: p.traceId,
            spanId: newSpanId(),
            flags: p.flags,
            ...(p.traceState && { traceState: p.traceState }),
          }
        : newOwnSpan();
    }
    return this.#own;
  }
}

/** With an SDK: the span it made; publishes continue from its context. */
class SdkSpan implements PublishParent {
  constructor(
    readonly span: Span,
    private readonly active: Context,
  ) {}

  context(): Context {
    return this.active;
  }

  own(): OwnSpan {
    const sc = this.span.spanContext();
    return { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags };
  }
}

/** The handler's context with a `publish` that writes the trace headers of `parent`. */
function publishingContext(base: Ctx, parent: PublishParent): Ctx {
  const publish = (topic: { name: string }, value: unknown, options?: Parameters<Ctx['publish']>[2]) => {
    const trace = startPublish(topic.name, 1, parent);
    return traced(trace, () =>
      (base.publish as (t: unknown, v: unknown, o: unknown) => Promise<void>)(
        topic,
        value,
        withTraceHeaders(options, trace.headers(0)),
      ),
    );
  };
  return { handler: base.handler, group: base.group, log: base.log, table: base.table, publish } as Ctx;
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

const outcomeOf = (scope: RecordScope, error: unknown): SpanOutcome =>
  error !== undefined ? 'failed' : (scope.outcome ?? 'handled');

class InvocationTracing implements InvocationObserver {
  readonly #spans: SpanReportBuilder | undefined;
  readonly #publishes: boolean;

  constructor(
    private readonly inv: InvocationStart,
    private readonly tracer: Tracer | undefined,
  ) {
    this.#spans = inv.observed ? new SpanReportBuilder() : undefined;
    this.#publishes = inv.spec.publishes.length > 0;
  }

  aroundRecord<T>(scope: RecordScope, ctx: Ctx, call: (ctx: Ctx) => T): T {
    const started = this.#spans ? Date.now() : 0;
    if (this.tracer) return this.#sdkRecord(this.tracer, scope, ctx, call, started);
    const own = new OwnRecordSpan(scope.raw);
    const recordCtx = this.#publishes ? publishingContext(ctx, own) : ctx;
    const spans = this.#spans;
    if (!spans) return call(recordCtx);
    return settle(
      () => call(recordCtx),
      (error) => this.#report(scope, own.own(), own.parent?.spanId, started, outcomeOf(scope, error)),
    );
  }

  #sdkRecord<T>(tracer: Tracer, scope: RecordScope, ctx: Ctx, call: (ctx: Ctx) => T, started: number): T {
    const { raw } = scope;
    let span: Span;
    let active: Context;
    let parentSpanId: string | undefined;
    try {
      const from = extractRecordContext(raw, recordTraceParent(raw));
      parentSpanId = trace.getSpanContext(from)?.spanId;
      const attributes = processAttributes(
        raw,
        scope.record?.key ?? undefined,
        this.inv.spec.group,
        this.inv.spec.name,
      );
      span = tracer.startSpan(`process ${raw.topic}`, { kind: SpanKind.CONSUMER, attributes }, from);
      active = trace.setSpan(from, span);
    } catch {
      return call(ctx); // an SDK that fails must not fail the record
    }
    const sdk = new SdkSpan(span, active);
    const recordCtx = this.#publishes ? publishingContext(ctx, sdk) : ctx;
    return settle(
      () => context.with(active, call, undefined, recordCtx),
      (error) => {
        const outcome = outcomeOf(scope, error);
        span.setAttribute(ATTR.outcome, outcome);
        endSpan(span, error, scope.failure);
        this.#report(scope, sdk.own(), parentSpanId, started, outcome);
      },
    );
  }

  aroundBatch<T>(scopes: readonly RecordScope[], ctx: Ctx, call: (ctx: Ctx) => T): T {
    const started = this.#spans ? Date.now() : 0;
    const parents = scopes.map((s) => recordTraceParent(s.raw));
    const topics = [...new Set(scopes.map((s) => s.raw.topic))];
    const topic = topics.length === 1 ? topics[0] : undefined;
    let parent: PublishParent;
    let finish: (error?: unknown) => void = () => {};
    let run = (): T => call(this.#publishes ? publishingContext(ctx, parent) : ctx);
    if (this.tracer) {
      try {
        const links: Link[] = [];
        scopes.forEach((s, i) => {
          const sc = trace.getSpanContext(extractRecordContext(s.raw, parents[i]));
          if (sc) links.push({ context: sc });
        });
        const ambient = context.active();
        const span = this.tracer.startSpan(
          topic ? `process ${topic}` : 'process',
          {
            kind: SpanKind.CONSUMER,
            links,
            attributes: batchAttributes(topic, scopes.length, this.inv.spec.group, this.inv.spec.name),
          },
          ambient,
        );
        const active = trace.setSpan(ambient, span);
        parent = new SdkSpan(span, active);
        const inner = run;
        run = () => context.with(active, inner);
        finish = (error) => {
          const failed = scopes.find((s) => s.failure);
          endSpan(span, error, failed?.failure);
        };
      } catch {
        parent = { context: () => undefined, own: newOwnSpan };
      }
    } else {
      const own = newOwnSpan();
      parent = { context: () => undefined, own: () => own };
    }
    return settle(run, (error) => {
      finish(error);
      if (!this.#spans) return;
      const first = scopes[0]?.raw;
      const failed = scopes.find((s) => s.failure);
      this.#spans.add(
        {
          ...parent.own(),
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
    this.#spans?.add({
      traceId: own.traceId,
      spanId: own.spanId,
      ...(parentSpanId !== undefined && { parentSpanId }),
      topic: scope.raw.topic,
      partition: scope.raw.partition,
      offset: Number(scope.raw.offset),
      start: started,
      end: Date.now(),
      outcome,
    });
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
