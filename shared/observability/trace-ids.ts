import { randomFillSync } from 'node:crypto';

/**
 * Random trace and span ids for when no tracing SDK makes them: hex from a pool of random bytes refilled 4 KB at a
 * time, so an id costs a slice of a buffer rather than a call into the system's random source (a record published
 * by the typed producer gets a trace id and a span id each).
 */
const POOL = Buffer.allocUnsafeSlow(4096);
let used = POOL.length;

const ZEROS = { 8: '0'.repeat(16), 16: '0'.repeat(32) } as const;

function randomHex(bytes: 8 | 16): string {
  for (;;) {
    if (used + bytes > POOL.length) {
      randomFillSync(POOL);
      used = 0;
    }
    const hex = POOL.toString('hex', used, used + bytes);
    used += bytes;
    // The specification makes an all-zero id invalid: draw again (one chance in 2^64 or 2^128).
    if (hex !== ZEROS[bytes]) return hex;
  }
}

/** 16 random bytes as 32 lowercase hex characters. */
export const newTraceId = (): string => randomHex(16);

/** 8 random bytes as 16 lowercase hex characters. */
export const newSpanId = (): string => randomHex(8);
