/** test/infra/fixtures' quiet-consumer with its topic in Avro behind the schema registry, no refining schema. */
import { defineHandler, defineTopic, lambdaHandler } from '../../shared';
import { avro } from '../../shared/formats';

const readings = defineTopic({
  name: 'bench.readings.avro',
  partitions: 6,
  value: avro({
    type: 'record',
    name: 'Reading',
    fields: [
      { name: 'sensor', type: 'string' },
      { name: 'value', type: 'double' },
      { name: 'kind', type: 'string' },
    ],
  }),
  key: (r) => r.sensor,
});

export const quietAvroConsumer = defineHandler({
  name: 'quiet-avro-consumer',
  topics: [readings],
  deadLetter: false,
  startingPosition: 'earliest',
  recordFormat: 'SOURCE',
  filter: { kind: ['temperature'], value: [{ numeric: ['>', 0] }] },
  handle() {},
});

export const handler = lambdaHandler(quietAvroConsumer);
