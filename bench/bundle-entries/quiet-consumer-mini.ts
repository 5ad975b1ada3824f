/** test/infra/fixtures' quiet-consumer with one change: the schema written with `zod/mini`. */
import * as z from 'zod/mini';
import { defineHandler, defineTopic, lambdaHandler } from '../../shared';

const readings = defineTopic({
  name: 'bench.readings.mini',
  partitions: 6,
  value: z.object({ sensor: z.string(), value: z.number(), kind: z.string() }),
  key: (r) => r.sensor,
});

export const quietConsumerMini = defineHandler({
  name: 'quiet-consumer-mini',
  topics: [readings],
  deadLetter: false,
  startingPosition: 'earliest',
  filter: { kind: ['temperature'], value: [{ numeric: ['>', 0] }] },
  handle() {},
});

export const handler = lambdaHandler(quietConsumerMini);
