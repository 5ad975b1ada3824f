/**
 * The console's "follow this record" endpoint: `GET /api/follow?topic=&partition=&offset=` answers with every record
 * and invocation that carries that record's trace. Locally the emulator follows it (shared/emulator's followRecord:
 * the handlers' spans and the topics); a deployed stack's spans are in its tracing backend, not here.
 */
import type { Hono } from 'hono';
import type { FollowedTrace, FollowTarget } from '../shared/emulator';
import { InputError, optionalInt, optionalText } from './inputs';

export type FollowRecord = (target: FollowTarget) => Promise<FollowedTrace>;

export function registerFollowRoutes(app: Hono, follow: FollowRecord | undefined): void {
  app.get('/api/follow', async (c) => {
    const q = c.req.query();
    const topic = optionalText('topic', q.topic);
    const partition = optionalInt('partition', q.partition);
    const offset = optionalInt('offset', q.offset);
    if (topic === undefined || partition === undefined || offset === undefined)
      throw new InputError('topic, partition and offset are required');
    if (!follow)
      throw new InputError(
        "following a record needs the local emulator, which keeps the handlers' spans; a deployed stack's traces are in X-Ray (handlers with deploy.tracing) and its records carry their traceparent",
      );
    try {
      return c.json(await follow({ topic, partition, offset }));
    } catch (error) {
      // followRecord says what is wrong with the request (no such topic, record or trace) as a RangeError
      if (error instanceof RangeError) throw new InputError(error.message);
      throw error;
    }
  });
}
