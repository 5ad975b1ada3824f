import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  formatTraceParent,
  parseTraceParent,
  parseTraceState,
  traceContextOf,
} from '../../shared/observability/trace-context';
import { newSpanId, newTraceId } from '../../shared/observability/trace-ids';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;

describe('W3C traceparent', () => {
  it('round-trips: what is written parses back to the same ids and flags', () => {
    for (let i = 0; i < 100; i++) {
      const traceId = newTraceId();
      const spanId = newSpanId();
      const flags = i % 2;
      expect(parseTraceParent(formatTraceParent(traceId, spanId, flags))).toEqual({ traceId, spanId, flags });
    }
  });

  it("agrees with OpenTelemetry's own W3C propagator on what it writes and reads", () => {
    const propagator = new W3CTraceContextPropagator();
    const carrier: Record<string, string> = {};
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags: 1 });
    propagator.inject(ctx, carrier, defaultTextMapSetter);
    expect(carrier.traceparent).toBe(formatTraceParent(TRACE, SPAN, 1));
    const ours = formatTraceParent(newTraceId(), newSpanId(), 0);
    const read = trace.getSpanContext(
      propagator.extract(ROOT_CONTEXT, { traceparent: ours }, defaultTextMapGetter),
    );
    expect(read).toMatchObject({ traceId: ours.slice(3, 35), spanId: ours.slice(36, 52), traceFlags: 0 });
  });

  it('ignores malformed and foreign values instead of failing', () => {
    const refused = [
      '',
      'not a traceparent',
      VALID.toUpperCase(), // uppercase hex is refused
      `00-${'0'.repeat(32)}-${SPAN}-01`, // all-zero trace id
      `00-${TRACE}-${'0'.repeat(16)}-01`, // all-zero span id
      `ff-${TRACE}-${SPAN}-01`, // version ff is forbidden
      `00-${TRACE}-${SPAN}-01-extra`, // version 00 is exactly 55 characters
      `00-${TRACE.slice(1)}-${SPAN}-01`,
      `00_${TRACE}_${SPAN}_01`,
      `00-${TRACE}-${SPAN}-0g`,
      'uber-trace-id: 4bf92f3577b34da6:00f067aa0ba902b7:0:1', // another vendor's format
      '\u00ff'.repeat(55),
    ];
    for (const value of refused) expect(parseTraceParent(value)).toBeUndefined();
  });

  it('reads a later version by its first four fields, as the specification asks', () => {
    expect(parseTraceParent(`01-${TRACE}-${SPAN}-01-what-comes-next`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      flags: 1,
    });
    expect(parseTraceParent(`01-${TRACE}-${SPAN}-01x`)).toBeUndefined();
  });

  it('takes repeated traceparent headers only when they agree', () => {
    expect(traceContextOf([VALID, VALID], [])).toMatchObject({ traceId: TRACE });
    expect(traceContextOf([VALID, `00-${newTraceId()}-${SPAN}-01`], [])).toBeUndefined();
    expect(traceContextOf([], ['a=1'])).toBeUndefined();
  });
});

describe('W3C tracestate', () => {
  it('joins repeated headers and keeps the members in order', () => {
    expect(parseTraceState(['congo=t61rcWkgMzE', 'rojo=00f067aa0ba902b7'])).toBe(
      'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    );
    expect(parseTraceState([' a=1 , b=2,'])).toBe('a=1,b=2');
    expect(parseTraceState(['tenant@vendor=x'])).toBe('tenant@vendor=x');
  });

  it('drops the whole state when a member is invalid or a key repeats', () => {
    expect(parseTraceState(['Upper=1'])).toBeUndefined();
    expect(parseTraceState(['a=1,a=2'])).toBeUndefined();
    expect(parseTraceState(['novalue'])).toBeUndefined();
    expect(parseTraceState(['a=bad,value'])).toBeUndefined();
    expect(parseTraceState([Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')])).toBeUndefined();
  });

  it('goes with a valid traceparent only', () => {
    expect(traceContextOf([VALID], ['a=1'])).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      flags: 1,
      traceState: 'a=1',
    });
    expect(traceContextOf(['garbage'], ['a=1'])).toBeUndefined();
  });
});
