import { Batcher, type InvocationVerdict } from '../../shared/emulator/batcher';
import { readBatchResponse } from '../../shared/emulator/batch-response';
import {
  encodeRecord,
  EventPayload,
  PAYLOAD_LIMIT_BYTES,
  type EventSource,
} from '../../shared/emulator/event-payload';
import { packEvent, unpackEvent } from '../../shared/emulator/event-transfer';
import { invocationRecord } from '../../shared/emulator/on-failure';
import { toMskEvent, type RawRecord } from '../../shared/lambda/msk-event';

const source: EventSource = {
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/kafka-lambda-local/0-1',
  bootstrapServers: '127.0.0.1:9092',
};

function raw(topic: string, partition: number, offset: number, over: Partial<RawRecord> = {}): RawRecord {
  return {
    topic,
    partition,
    offset,
    timestamp: 1_700_000_000_000 + offset,
    timestampType: 'CREATE_TIME',
    key: Buffer.from(`k${offset}`),
    value: Buffer.from(JSON.stringify({ n: offset })),
    headers: [],
    ...over,
  };
}

describe('the event as JSON text', () => {
  it('is exactly what JSON.stringify makes of the documented event, and knows its size in bytes', () => {
    const records = [
      raw('orders', 0, 7, {
        headers: [
          { key: 'trace', value: Buffer.from('é') },
          { key: 'nil', value: null },
        ],
      }),
      raw('orders', 0, 8, { key: null, value: null }),
      raw('orders', 3, 1, {
        timestampType: 'LOG_APPEND_TIME',
        headers: [{ key: 'ключ', value: Buffer.from([0, 255]) }],
      }),
    ];
    const payload = new EventPayload(source);
    for (const r of records) {
      const encoded = encodeRecord(r);
      const before = payload.bytesWith(encoded);
      payload.add(encoded);
      expect(payload.bytes).toBe(before);
      expect(payload.bytes).toBe(Buffer.byteLength(payload.toJSON()));
    }
    expect(payload.toJSON()).toBe(JSON.stringify(toMskEvent(records, source)));
    const parsed = JSON.parse(payload.toJSON()) as ReturnType<typeof toMskEvent>;
    expect('key' in parsed.records['orders-0']![1]!).toBe(false);
    expect('value' in parsed.records['orders-0']![1]!).toBe(false);
    expect(parsed.records['orders-0']![0]!.headers).toEqual([{ trace: [195, 169] }, {}]);
  });
});

describe('the event as it crosses into a container', () => {
  const records = [
    raw('orders', 0, 7, {
      headers: [
        { key: 'trace', value: Buffer.from('é') },
        { key: 'nil', value: null },
        { key: 'trace', value: Buffer.alloc(0) },
      ],
    }),
    raw('orders', 0, 8, { key: null, value: null }),
    raw('orders', 0, 9, { key: Buffer.alloc(0), value: Buffer.from([0, 1, 255]) }),
    raw('orders', 11, 12_345_678_901, {
      timestamp: -1,
      timestampType: 'LOG_APPEND_TIME',
      headers: [{ key: 'ключ', value: Buffer.from([0, 255]) }],
    }),
  ];
  const payloadOf = (rs: readonly RawRecord[]): EventPayload => {
    const payload = new EventPayload(source);
    for (const r of rs) payload.add(encodeRecord(r));
    return payload;
  };

  it('counts its JSON text exactly, whatever the record holds', () => {
    const payload = new EventPayload(source);
    for (const r of records) {
      payload.add(encodeRecord(r));
      expect(payload.bytes).toBe(Buffer.byteLength(payload.toJSON()));
    }
  });

  it('is rebuilt as exactly what JSON.parse makes of its text: same keys, order and plain data', () => {
    const transfer = Buffer.from(new SharedArrayBuffer(PAYLOAD_LIMIT_BYTES));
    const payload = payloadOf(records);
    const event = unpackEvent(packEvent(payload, transfer), transfer);
    expect(JSON.stringify(event)).toBe(payload.toJSON());
    expect(event).toStrictEqual(JSON.parse(payload.toJSON()));
    // The buffer is reused by the next, smaller event: what the last one left behind does not leak into it.
    const next = payloadOf([records[1]!]);
    expect(JSON.stringify(unpackEvent(packEvent(next, transfer), transfer))).toBe(next.toJSON());
  });

  it('refuses an event larger than its transfer buffer, naming both sizes', () => {
    const payload = payloadOf(records);
    expect(() => packEvent(payload, Buffer.alloc(100))).toThrow(
      `an event of ${payload.bytes} bytes does not fit the 100-byte transfer buffer`,
    );
  });
});

describe('the batcher', () => {
  const noWindow = { records: 10, bytes: PAYLOAD_LIMIT_BYTES, windowMs: 60_000 };

  it('closes a batch at its record count and sends the rest of the slice in the next one', async () => {
    const sent: number[] = [];
    const batcher = new Batcher(
      { ...noWindow, records: 3 },
      source,
      async (p): Promise<InvocationVerdict> => {
        sent.push(p.count);
        return { status: 'ok', failedAt: new Map() };
      },
    );
    const slice = [0, 1, 2, 3, 4].map((o) => encodeRecord(raw('t', 0, o)));
    const first = batcher.submit(slice);
    expect(first).toMatchObject({ taken: 3 });
    await (first as { outcome: Promise<unknown> }).outcome;
    const second = batcher.submit(slice.slice(3));
    expect(second).toMatchObject({ taken: 2 });
    batcher.flush();
    await (second as { outcome: Promise<unknown> }).outcome;
    expect(sent).toEqual([3, 2]);
  });

  it('closes a batch before the record that would take the event past the payload limit', async () => {
    const big = (offset: number): RawRecord =>
      raw('t', 0, offset, { value: Buffer.alloc(2 * 1024 * 1024, 1) });
    const sizes: number[] = [];
    const batcher = new Batcher({ ...noWindow, records: 100 }, source, async (p) => {
      sizes.push(p.bytes);
      expect(Buffer.byteLength(p.toJSON())).toBe(p.bytes);
      return { status: 'ok', failedAt: new Map() };
    });
    // Three 2 MiB values are about 8 MiB of base64: two fit under 6 MiB, the third would not.
    const submission = batcher.submit([0, 1, 2].map((o) => encodeRecord(big(o))));
    expect(submission).toMatchObject({ taken: 2 });
    await (submission as { outcome: Promise<unknown> }).outcome;
    expect(sizes).toHaveLength(1);
    expect(sizes[0]!).toBeLessThanOrEqual(PAYLOAD_LIMIT_BYTES);
    expect(sizes[0]! + encodeRecord(big(2)).bytes).toBeGreaterThan(PAYLOAD_LIMIT_BYTES);
  });

  it('refuses a record that alone would make an event larger than the limit, without invoking', () => {
    let invoked = 0;
    const batcher = new Batcher(noWindow, source, async () => {
      invoked++;
      return { status: 'ok', failedAt: new Map() };
    });
    const huge = encodeRecord(raw('t', 0, 9, { value: Buffer.alloc(5 * 1024 * 1024) }));
    expect(batcher.submit([huge])).toEqual({ taken: 0, oversized: huge });
    expect(invoked).toBe(0);
  });

  it('gives each slice its partition outcome: failed from an offset, or the whole invocation failed', async () => {
    const verdicts: InvocationVerdict[] = [
      { status: 'ok', failedAt: new Map([['t-1', 11]]) },
      { status: 'error', reason: 'Sandbox.Timedout: Task timed out after 1.00 seconds', timedOut: true },
    ];
    const batcher = new Batcher(noWindow, source, async () => verdicts.shift()!);
    const a = batcher.submit([encodeRecord(raw('t', 0, 5))]) as { outcome: Promise<unknown> };
    const b = batcher.submit([10, 11, 12].map((o) => encodeRecord(raw('t', 1, o)))) as {
      outcome: Promise<unknown>;
    };
    batcher.flush();
    await expect(a.outcome).resolves.toMatchObject({ status: 'ok' });
    await expect(b.outcome).resolves.toMatchObject({ status: 'failed-at', offset: 11 });
    const c = batcher.submit([encodeRecord(raw('t', 0, 6))]) as { outcome: Promise<unknown> };
    batcher.flush();
    await expect(c.outcome).resolves.toMatchObject({ status: 'error', timedOut: true });
  });
});

describe('reading a ReportBatchItemFailures response as the mapping does', () => {
  const offsets = new Map([
    ['orders-0', new Set([5, 6, 7])],
    ['orders-2', new Set([40])],
  ]);

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an empty object', {}],
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
  ])('treats %s as every record handled', (_what, response) => {
    expect(readBatchResponse(response, offsets)).toEqual({ valid: true, failedAt: new Map() });
  });

  it('takes the lowest offset reported per partition', () => {
    const response = {
      batchItemFailures: [
        { itemIdentifier: { partition: 'orders-0', offset: 7 } },
        { itemIdentifier: { partition: 'orders-0', offset: 6 } },
        { itemIdentifier: { partition: 'orders-2', offset: '40' } },
      ],
    };
    expect(readBatchResponse(response, offsets)).toEqual({
      valid: true,
      failedAt: new Map([
        ['orders-0', 6],
        ['orders-2', 40],
      ]),
    });
  });

  it.each([
    ['a string response', 'failed', /not an object/],
    ['a list that is not an array', { batchItemFailures: { a: 1 } }, /not an array/],
    ['an item that is not an object', { batchItemFailures: ['orders-0'] }, /\[0\] is not an object/],
    [
      'an itemIdentifier that is a string',
      { batchItemFailures: [{ itemIdentifier: 'orders-0:5' }] },
      /itemIdentifier/,
    ],
    ['a missing offset', { batchItemFailures: [{ itemIdentifier: { partition: 'orders-0' } }] }, /offset/],
    [
      'a non-numeric offset',
      { batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 'five' } }] },
      /offset/,
    ],
    [
      'a partition not in the batch',
      { batchItemFailures: [{ itemIdentifier: { partition: 'orders-1', offset: 5 } }] },
      /orders-1.*not a partition/,
    ],
    [
      'an offset not in the batch',
      { batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 8 } }] },
      /8 is not a record/,
    ],
    [
      'the "topic-partition" key some libraries send',
      { batchItemFailures: [{ itemIdentifier: { 'topic-partition': 'orders-0', offset: 5 } }] },
      /partition is not a string/,
    ],
  ])('fails the whole batch for %s, saying what is wrong', (_what, response, problem) => {
    const reading = readBatchResponse(response, offsets);
    expect(reading.valid).toBe(false);
    expect((reading as { problem: string }).problem).toMatch(problem);
  });
});

describe('the on-failure invocation record', () => {
  it('has the documented shape; null responseContext when the function was never invoked', () => {
    const records = [raw('orders', 4, 10), raw('orders', 4, 12)];
    const record = invocationRecord(
      {
        condition: 'MaximumPayloadSizeExceeded',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        source,
        records,
        eventOf: () => '{}',
      },
      new Date('2026-12-01T00:00:00Z'),
    );
    expect(record).toEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        condition: 'MaximumPayloadSizeExceeded',
        approximateInvokeCount: 0,
      },
      responseContext: null,
      version: '1.0',
      timestamp: '2026-12-01T00:00:00.000Z',
      KafkaBatchInfo: {
        batchSize: 2,
        eventSourceArn: source.eventSourceArn,
        bootstrapServers: source.bootstrapServers,
        payloadSize: 2,
        recordsInfo: {
          'orders-4': {
            firstRecordOffset: '10',
            lastRecordOffset: '12',
            firstRecordTimestamp: new Date(1_700_000_000_010).toISOString(),
            lastRecordTimestamp: new Date(1_700_000_000_012).toISOString(),
          },
        },
      },
      payload: '{}',
    });
  });
});
