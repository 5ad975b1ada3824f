/**
 * Baseline: a consumer written by hand with the same schema library, imported the way the fixture imports it:
 * base64 decode, JSON.parse, zod validation, no Kafka client.
 */
import type { MSKEvent } from 'aws-lambda';
import * as z from 'zod';

const Reading = z.object({ sensor: z.string(), value: z.number(), kind: z.string() });

export const handler = async (event: MSKEvent): Promise<{ batchItemFailures: never[] }> => {
  for (const list of Object.values(event.records)) {
    for (const record of list) {
      const reading = Reading.parse(JSON.parse(Buffer.from(record.value, 'base64').toString('utf8')));
      if (reading.kind === 'temperature' && reading.value > 0) continue;
    }
  }
  return { batchItemFailures: [] };
};
