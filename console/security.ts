import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A per-process secret the page receives in its HTML and sends back on every state-changing request. */
export const newToken = (): string => randomBytes(24).toString('base64url');

export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Why a request must be refused, or undefined when it may go on. The Host must name the loopback address the
 * console listens on (a DNS-rebinding page reaches us with its own host name); a state-changing request must come
 * from our own origin when the browser says where it comes from, and carry the token.
 */
export function refusal(
  request: {
    method: string;
    host: string | undefined;
    origin: string | undefined;
    token: string | undefined;
  },
  console: { port: number; token: string },
): string | undefined {
  const hosts = [`127.0.0.1:${console.port}`, `localhost:${console.port}`];
  if (!request.host || !hosts.includes(request.host))
    return `host "${request.host ?? ''}" is not the console's (${hosts.join(' or ')})`;
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  if (request.origin !== undefined && !hosts.some((h) => request.origin === `http://${h}`))
    return `origin "${request.origin}" is not the console's`;
  if (!tokenMatches(console.token, request.token))
    return 'missing or wrong console token (reload the console page)';
  return undefined;
}
