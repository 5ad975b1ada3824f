/**
 * Page tokens: where a paged read stopped, handed to the caller and back. A token carries every partition's next
 * offset and the end it reads up to (fixed by the first page, so a listing is a snapshot and never runs after
 * records written meanwhile), plus a digest of the query it belongs to. It is opaque text to callers; a token of
 * another read, another query or garbage is refused with a message, never followed.
 */
import { createHash } from 'node:crypto';
import { badRequest } from './protocol';

export interface PagePosition {
  topic: string;
  partition: number;
  /** The next offset to read. */
  next: number;
  /** The offset the read stops before. */
  to: number;
}

interface TokenBody {
  /** What reads it: `dead-letters:<handler>`, `read:<topic>`, `browse:<topic>`. */
  of: string;
  /** Digest of the query, so a token continues only the query that made it. */
  q: string;
  p: [topic: string, partition: number, next: number, to: number][];
}

export const queryDigest = (query: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(query ?? null))
    .digest('base64url')
    .slice(0, 12);

export function encodePageToken(of: string, query: unknown, positions: readonly PagePosition[]): string {
  const body: TokenBody = {
    of,
    q: queryDigest(query),
    p: positions.map((p) => [p.topic, p.partition, p.next, p.to]),
  };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

const isPosition = (p: unknown): p is TokenBody['p'][number] =>
  Array.isArray(p) &&
  p.length === 4 &&
  typeof p[0] === 'string' &&
  p.slice(1).every((n) => Number.isSafeInteger(n) && (n as number) >= 0);

export function decodePageToken(of: string, query: unknown, token: string): PagePosition[] {
  let body: Partial<TokenBody>;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    throw badRequest(
      'pageToken is not a page token (pass on the nextPageToken of the previous page unchanged)',
    );
  }
  if (body?.of !== of || !Array.isArray(body.p) || !body.p.every(isPosition))
    throw badRequest(`pageToken is not a page token of ${of.replace(':', ' ')}`);
  if (body.q !== queryDigest(query))
    throw badRequest('pageToken belongs to another query: repeat the query of the first page with it');
  return body.p.map(([topic, partition, next, to]) => ({ topic, partition, next, to }));
}
