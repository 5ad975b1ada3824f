/**
 * Baseline: a publishing consumer written by hand: zod (imported as the example app does), kafkajs with MSK IAM
 * auth through the signer, an idempotent producer made on first use.
 */
import type { MSKEvent } from 'aws-lambda';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, type Producer } from 'kafkajs';
import * as z from 'zod';

const Reading = z.object({ sensor: z.string(), value: z.number(), kind: z.string() });

let producer: Promise<Producer> | undefined;

function connect(brokers: string): Promise<Producer> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const kafka = new Kafka({
    brokers: (process.env.KAFKA_BROKERS ?? brokers).split(','),
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
    },
  });
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  return p.connect().then(() => p);
}

export const handler = async (event: MSKEvent): Promise<{ batchItemFailures: never[] }> => {
  const messages = [];
  for (const list of Object.values(event.records)) {
    for (const record of list) {
      const reading = Reading.parse(JSON.parse(Buffer.from(record.value, 'base64').toString('utf8')));
      if (reading.value > 100) messages.push({ key: reading.sensor, value: JSON.stringify(reading) });
    }
  }
  if (messages.length) {
    producer ??= connect(event.bootstrapServers);
    await (await producer).send({ topic: 'alerts', acks: -1, messages });
  }
  return { batchItemFailures: [] };
};
