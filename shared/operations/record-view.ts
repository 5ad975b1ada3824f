import type { AnyTopic } from '../declarations/topic';
import { errorMessage } from '../errors';
import type { RawRecord } from '../kafka/records';
import { decodeRecord } from '../lambda/decode';
import { valueToJson } from '../schemas/json-values';
import type { KafkaRecord } from '../declarations/handler';
import type { RecordView } from './protocol';

/**
 * JSON bytes one response may carry: Lambda caps a synchronous response at 6 MB (6,291,556 bytes); the rest is
 * room for the response's envelope. Pages stop before a record would pass it.
 */
export const PAGE_BYTES = 5 * 1024 * 1024;

/** Counts a page's JSON as records join it. */
export class PageBudget {
  private used = 0;
  constructor(private readonly limit = PAGE_BYTES) {}

  /** Whether `item` still fits; it is counted when it does. The first item always fits (a page is never empty). */
  fits(item: unknown): boolean {
    const bytes = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (this.used > 0 && this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }
}

const text = (bytes: Buffer | null): string | null => (bytes === null ? null : bytes.toString('utf8'));

/**
 * A record decoded and validated as a handler would: its value, or the value's text and why a handler would
 * dead-letter it. A topic whose declaration is not at hand shows its value as text. Synchronous for synchronous
 * schemas, so a page of thousands of records costs no promise each.
 */
export function recordView(topic: AnyTopic | undefined, raw: RawRecord): RecordView | Promise<RecordView> {
  const headers: Record<string, string> = {};
  for (const h of raw.headers) if (h.value !== null) headers[h.key] = h.value.toString('utf8');
  const base = {
    partition: raw.partition,
    offset: raw.offset,
    timestamp: new Date(raw.timestamp).toISOString(),
    key: text(raw.key),
    headers,
  };
  if (!topic) return { ...base, value: text(raw.value) };
  const invalid = (error: unknown): RecordView => ({
    ...base,
    value: text(raw.value),
    problem: errorMessage(error),
  });
  try {
    // A registry format's value as its JSON form; a key in a registry format decoded.
    const viewOf = (r: KafkaRecord<unknown>): RecordView => ({
      ...base,
      key: r.key,
      value: valueToJson(topic, r.value),
    });
    const decoded = decodeRecord(topic, raw);
    return decoded instanceof Promise ? decoded.then(viewOf, invalid) : viewOf(decoded);
  } catch (error) {
    return invalid(error);
  }
}
