/**
 * The on-failure destinations' documents (shared/emulator/on-failure.ts). What reaches a real topic is checked on the
 * broker by test/integration/event-source-fidelity.test.ts.
 */
import { EventPayload, encodeRecord, type EventSource } from '../../shared/emulator/event-payload';
import { OnFailureTopic, type DiscardedBatch, type InvocationRecord } from '../../shared/emulator/on-failure';
import type { RawRecord } from '../../shared/kafka/records';
import type { MskEvent } from '../../shared';
import { FUNCTION_ERROR_RESPONSE, INVOCATION_RECORD_KEYS } from '../support/invocation-record';

const source: EventSource = {
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/kafka-lambda-local/abc-1',
  bootstrapServers: '127.0.0.1:9092',
};

const raw = (offset: number, key: string | null): RawRecord => ({
  topic: 'orders',
  partition: 2,
  offset,
  timestamp: 1_700_000_000_000 + offset,
  timestampType: 'CREATE_TIME',
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(`value-${offset}`),
  headers: [{ key: 'h', value: Buffer.from(`${offset}`) }],
});

const eventOf = (records: readonly RawRecord[]): string => {
  const payload = new EventPayload(source);
  for (const r of records) payload.add(encodeRecord(r));
  return payload.toJSON();
};

describe('a Kafka topic as the on-failure destination', () => {
  const records = [raw(7, 'user-1'), raw(8, null)];
  const batch: DiscardedBatch = {
    condition: 'RetryAttemptsExhausted',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    source,
    records,
    invocation: {
      requestId: 'req-1',
      attempts: 3,
      functionError: true,
      payload: eventOf(records),
      batchSize: 5,
    },
    eventOf,
  };

  it('gets one record per failed record, keyed as the original, valued with its invocation record', async () => {
    const sent: { topic: string; key: Buffer | null; value: string }[] = [];
    const destination = new OnFailureTopic('orders-failures', async (topic, list) => {
      sent.push(...list.map((r) => ({ topic, ...r })));
    });
    expect(await destination.write('f', batch)).toBe('kafka://orders-failures');
    expect(sent.map((s) => [s.topic, s.key?.toString() ?? null])).toEqual([
      ['orders-failures', 'user-1'],
      ['orders-failures', null],
    ]);
    const documents = sent.map((s) => JSON.parse(s.value) as InvocationRecord);
    for (const [i, document] of documents.entries()) {
      const offset = records[i]!.offset;
      expect(Object.keys(document)).toEqual(INVOCATION_RECORD_KEYS);
      expect(document.requestContext).toEqual({
        requestId: 'req-1',
        functionArn: batch.functionArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      });
      expect(document.responseContext).toEqual(FUNCTION_ERROR_RESPONSE);
      expect(document.KafkaBatchInfo).toMatchObject({
        batchSize: 5,
        eventSourceArn: source.eventSourceArn,
        payloadSize: Buffer.byteLength(document.payload),
        recordsInfo: {
          'orders-2': expect.objectContaining({
            firstRecordOffset: String(offset),
            lastRecordOffset: String(offset),
          }),
        },
      });
      // The payload is the event of that record alone, as the function would have received it.
      const event = JSON.parse(document.payload) as MskEvent;
      expect(event.records).toEqual({ 'orders-2': [expect.objectContaining({ offset })] });
      expect(Buffer.from(event.records['orders-2']![0]!.value!, 'base64').toString()).toBe(`value-${offset}`);
    }
  });

  it('rejects when the write fails, so the batch is delivered again rather than lost', async () => {
    const destination = new OnFailureTopic('orders-failures', () =>
      Promise.reject(new Error('NOT_ENOUGH_REPLICAS')),
    );
    await expect(destination.write('f', batch)).rejects.toThrow('NOT_ENOUGH_REPLICAS');
  });
});
