/**
 * Record headers in the order they were written. kafkajs 2.2.4 (its last release) folds a record's headers into an
 * object (`{ name: value | value[] }`), which loses the order between different names: `a, b, a` reads back as
 * `a, a, b`. Lambda's event source keeps every header where it stands, so the emulator must too. This keeps the
 * list kafkajs decoded, in order, on the object it builds from it (a non-enumerable symbol, invisible to anything
 * else), by wrapping the one decoder method the record decoder calls for headers.
 */
import type { IHeaders } from 'kafkajs';

export interface Header {
  key: string;
  /** Null when the producer wrote a null value (Kafka allows it). */
  value: Buffer | null;
}

/** The parts of kafkajs's internal Decoder this relies on (kafkajs/src/protocol/decoder.js, 2.2.4). */
interface KafkajsDecoder {
  readVarIntArray<T>(reader: (decoder: KafkajsDecoder) => T): T[];
}

const ORDERED = Symbol('kafka-lambda.ordered-headers');
type OrderedHeaders = IHeaders & { [ORDERED]?: readonly Header[] };

let installed = false;

/** Wraps kafkajs's decoder once per module registry; idempotent. */
function install(): void {
  if (installed) return;
  installed = true;
  /* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no typings or exports map */
  const Decoder = require('kafkajs/src/protocol/decoder') as { prototype: KafkajsDecoder };
  const HeaderDecoder = require('kafkajs/src/protocol/recordBatch/header/v0/decoder') as unknown;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const original = Decoder.prototype.readVarIntArray;
  if (typeof original !== 'function' || typeof HeaderDecoder !== 'function') {
    throw new Error('kafkajs internals changed: pin kafkajs 2.2.4 (shared/kafka/ordered-headers.ts)');
  }
  Decoder.prototype.readVarIntArray = function readVarIntArray<T>(
    this: KafkajsDecoder,
    reader: (decoder: KafkajsDecoder) => T,
  ): T[] {
    const list = original.call(this, reader) as T[];
    if (reader !== HeaderDecoder || list.length === 0) return list;
    // The record decoder reduces this list into the headers object: keep the list on the result.
    const fold = list.reduce;
    return Object.assign(list, {
      reduce(this: T[], ...args: Parameters<typeof fold>): unknown {
        const headers = fold.apply(this, args) as object;
        Object.defineProperty(headers, ORDERED, { value: list });
        return headers;
      },
    });
  };
}

install();

/** A fetched message's headers in record order; from the folded object only if the list is missing. */
export function orderedHeaders(headers: IHeaders | undefined): Header[] {
  if (!headers) return [];
  const ordered = (headers as OrderedHeaders)[ORDERED];
  if (ordered) return ordered.map(({ key, value }) => ({ key, value }));
  const out: Header[] = [];
  for (const [key, v] of Object.entries(headers)) {
    for (const value of Array.isArray(v) ? v : [v]) {
      if (value === undefined) continue;
      out.push({ key, value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value) });
    }
  }
  return out;
}
