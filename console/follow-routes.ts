/**
 * The console's "follow this record" endpoint: `GET /api/follow?topic=&partition=&offset=` answers with every record
 * and invocation that carries that record's trace (shared/emulator's followRecord). Read-only, like every GET.
 */
import type { Hono } from 'hono';
import { followRecord, type Emulator } from '../shared/emulator';
import { InputError, optionalInt, optionalText } from './inputs';

export function registerFollowRoutes(app: Hono, emulator: Emulator): void {
  app.get('/api/follow', async (c) => {
    try {
      const q = c.req.query();
      const topic = optionalText('topic', q.topic);
      const partition = optionalInt('partition', q.partition);
      const offset = optionalInt('offset', q.offset);
      if (topic === undefined || partition === undefined || offset === undefined)
        throw new InputError('topic, partition and offset are required');
      return c.json(await followRecord(emulator, { topic, partition, offset }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return c.json(
        { error: message },
        error instanceof InputError || error instanceof RangeError ? 400 : 502,
      );
    }
  });
}
