/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as Kafka record headers: `traceparent` and `tracestate`,
 * parsed and written without any tracing SDK. Everything here is pure; a header that does not parse is ignored
 * (DESIGN.md, contract 8: observability never fails a record).
 */

/** The two header names (lowercase, as the specification spells them). */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

/** A parsed `traceparent`: ids as lowercase hex, flags as the byte's value. */
export interface TraceParent {
  /** 32 lowercase hex characters, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex characters, not all zero: the span of the producer (the record's parent). */
  readonly spanId: string;
  /** Bit 0 is `sampled`. */
  readonly flags: number;
  /** The `tracestate` that came with it, combined and checked; absent when there was none or it was invalid. */
  readonly traceState?: string;
}

/** The sampled flag (trace-flags bit 0). */
export const SAMPLED = 0x01;

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** 1 for a lowercase hex digit's character code (any UTF-16 code unit indexes it); uppercase is refused. */
const HEX_DIGIT = new Uint8Array(0x10000);
for (const c of '0123456789abcdef') HEX_DIGIT[c.charCodeAt(0)] = 1;

/** Whether `length` characters from `from` are all lowercase hex: a table and no branch per character. */
function hexRun(text: string, from: number, length: number): boolean {
  let all = 1;
  for (let i = from; i < from + length; i++) all &= HEX_DIGIT[text.charCodeAt(i)]!;
  return all === 1;
}

/**
 * Parses a `traceparent` value, or undefined when it is not one this version of the specification accepts:
 * version `00` must be exactly 55 characters; a later version (not `ff`) is read by its first four fields when
 * what follows them starts with `-`, as the specification asks of a version it does not know. All-zero ids,
 * uppercase hex and anything else malformed are refused.
 */
export function parseTraceParent(value: string | undefined): Omit<TraceParent, 'traceState'> | undefined {
  if (value === undefined) return undefined;
  const text = value.trim(); // optional whitespace around a header value (HTTP's OWS) is not part of it
  if (text.length < 55 || !hexRun(text, 0, 2)) return undefined;
  const version = text.slice(0, 2);
  if (version === 'ff') return undefined;
  if (version === '00' ? text.length !== 55 : text.length > 55 && text[55] !== '-') return undefined;
  if (text[2] !== '-' || text[35] !== '-' || text[52] !== '-') return undefined;
  if (!hexRun(text, 3, 32) || !hexRun(text, 36, 16) || !hexRun(text, 53, 2)) return undefined;
  const traceId = text.slice(3, 35);
  const spanId = text.slice(36, 52);
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags: parseInt(text.slice(53, 55), 16) };
}

/** `00-<trace id>-<span id>-<flags>`: this writer speaks version 00 only. */
export function formatTraceParent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, '0')}`;
}

const MAX_TRACESTATE_MEMBERS = 32;
/** A simple key (lowercase letter first) or a multi-tenant `tenant@system` key. */
const TRACESTATE_KEY =
  /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
/** Printable ASCII but `,` and `=`, at most 256 characters, not ending in a space. */
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * Combines `tracestate` values (several headers join with `,`, as HTTP combines fields) and checks every list
 * member; undefined when empty or when any member is invalid or a key repeats (the specification then drops the
 * whole state rather than guess).
 */
export function parseTraceState(values: readonly string[]): string | undefined {
  const members = values
    .join(',')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (members.length === 0 || members.length > MAX_TRACESTATE_MEMBERS) return undefined;
  const keys = new Set<string>();
  for (const member of members) {
    const eq = member.indexOf('=');
    if (eq <= 0) return undefined;
    const key = member.slice(0, eq);
    if (!TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(member.slice(eq + 1)) || keys.has(key))
      return undefined;
    keys.add(key);
  }
  return members.join(',');
}

/**
 * The trace context a record carries, from every value of its `traceparent` and `tracestate` headers (in record
 * order). Several `traceparent` values are accepted only when they agree: two different parents leave no way to
 * know which one is right, so the record starts a trace of its own, as one without any would.
 */
export function traceContextOf(
  traceparents: readonly string[],
  tracestates: readonly string[],
): TraceParent | undefined {
  if (traceparents.length === 0) return undefined;
  const first = traceparents[0]!;
  for (let i = 1; i < traceparents.length; i++)
    if (traceparents[i]!.trim() !== first.trim()) return undefined;
  const parent = parseTraceParent(first);
  if (!parent) return undefined;
  const traceState = tracestates.length ? parseTraceState(tracestates) : undefined;
  return traceState === undefined ? parent : { ...parent, traceState };
}
