import { defineHandler, lambdaHandler } from '../../../shared';
import { benchInput } from '../topics';

/** Decodes and validates every record (the adapter does that), then does nothing: the framework's own cost. */
export const noop = defineHandler({
  name: 'bench-noop',
  group: process.env.BENCH_GROUP ?? 'bench-noop',
  topics: [benchInput],
  startingPosition: 'earliest',
  batch: { size: 10_000, windowSeconds: 0 },
  handle() {},
});

export const handler = lambdaHandler(noop);
