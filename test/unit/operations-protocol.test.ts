import { callerOf, handlerFunctions, loggedArguments } from '../../shared/operations/function';
import { parseRequest } from '../../shared/operations/inputs';
import { decodePageToken, encodePageToken } from '../../shared/operations/page-token';
import { OperationsError, PROTOCOL_VERSION } from '../../shared/operations/protocol';

const refused = (body: unknown): OperationsError => {
  try {
    parseRequest(body);
  } catch (error) {
    if (error instanceof OperationsError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
};

describe('operations requests', () => {
  const v = PROTOCOL_VERSION;

  it('are read with every argument checked and dates normalized', () => {
    expect(parseRequest({ v, action: 'topics' })).toEqual({ v, action: 'topics' });
    expect(
      parseRequest({
        v,
        action: 'replay',
        handler: 'echo',
        filter: { since: '2026-11-25T10:00:00+01:00', kind: 'schema', ids: ['a.dlq/0/12'] },
        dryRun: true,
      }),
    ).toEqual({
      v,
      action: 'replay',
      handler: 'echo',
      filter: { since: '2026-11-25T09:00:00.000Z', kind: 'schema', ids: ['a.dlq/0/12'] },
      dryRun: true,
    });
    expect(parseRequest({ v, action: 'browse', topic: 't', query: { partition: 2, limit: 10 } })).toEqual({
      v,
      action: 'browse',
      topic: 't',
      query: { partition: 2, limit: 10 },
    });
    expect(
      parseRequest({
        v,
        action: 'publish',
        topic: 't',
        records: [{ value: { a: 1 }, key: 'k', headers: { h: 'x' } }],
      }),
    ).toEqual({
      v,
      action: 'publish',
      topic: 't',
      records: [{ value: { a: 1 }, key: 'k', headers: { h: 'x' } }],
    });
  });

  it('are refused with the field and what it accepts', () => {
    expect(refused(null).message).toBe('the request must be a JSON object with "v" and "action"');
    expect(refused({ v: 2, action: 'topics' })).toMatchObject({ code: 'unsupported' });
    expect(refused({ v, action: 'nope' }).message).toMatch(/^unknown action "nope": one of describe, topics/);
    expect(refused({ v, action: 'topics', extra: 1 }).message).toBe('action topics: unknown field extra');
    expect(refused({ v, action: 'dead-letters' }).message).toBe('handler is required');
    expect(refused({ v, action: 'dead-letters', handler: 'h', filter: { since: 'yesterday' } }).message).toBe(
      'filter.since must be a date (ISO 8601, e.g. 2026-11-25T10:00:00Z), got "yesterday"',
    );
    expect(refused({ v, action: 'dead-letters', handler: 'h', filter: { kind: 'x' } }).message).toBe(
      'filter.kind must be one of decode, schema, handler, got "x"',
    );
    expect(refused({ v, action: 'replay', handler: 'h', filter: { ids: ['../etc'] } }).message).toMatch(
      /^filter.ids must be a non-empty list of dead-letter ids/,
    );
    expect(refused({ v, action: 'replay', handler: 'h', filter: { limit: 3 } }).message).toBe(
      'filter: unknown field limit',
    );
    expect(refused({ v, action: 'browse', topic: 't', query: { limit: 501 } }).message).toBe(
      'query.limit must be an integer from 0 to 500, got 501',
    );
    expect(refused({ v, action: 'browse', topic: 't', query: { partition: -1 } }).message).toMatch(
      /^query.partition must be an integer/,
    );
    expect(refused({ v, action: 'read', topic: 't', from: 'middle' }).message).toBe(
      'from must be "beginning" or "end", got "middle"',
    );
    expect(refused({ v, action: 'publish', topic: 't', records: [] }).message).toMatch(
      /^records must be a non-empty list/,
    );
    expect(refused({ v, action: 'publish', topic: 't', records: [{ key: 'k' }] }).message).toBe(
      'records[0] must be an object with a value',
    );
    expect(
      refused({ v, action: 'publish', topic: 't', records: [{ value: 1, headers: { h: 2 } }] }).message,
    ).toBe('records[0].headers.h must be text');
    expect(refused({ v, action: 'dead-letter', id: 'x' }).message).toBe(
      'id must be a dead-letter id like "<topic>/<partition>/<offset>", got "x"',
    );
  });
});

describe('page tokens', () => {
  const positions = [
    { topic: 'a.dlq', partition: 0, next: 5, to: 9 },
    { topic: 'a.dlq', partition: 1, next: 0, to: 0 },
  ];

  it('continue exactly where the page stopped, for the same query only', () => {
    const token = encodePageToken('dead-letters:echo', { kind: 'schema' }, positions);
    expect(decodePageToken('dead-letters:echo', { kind: 'schema' }, token)).toEqual(positions);
    expect(() => decodePageToken('dead-letters:audit', { kind: 'schema' }, token)).toThrow(
      'pageToken is not a page token of dead-letters audit',
    );
    expect(() => decodePageToken('dead-letters:echo', { kind: 'decode' }, token)).toThrow(
      'pageToken belongs to another query',
    );
    expect(() => decodePageToken('dead-letters:echo', {}, 'not base64 json')).toThrow(
      /^pageToken is not a page token/,
    );
    const forged = Buffer.from(
      JSON.stringify({ of: 'dead-letters:echo', q: 'x', p: [['a', -1, 0, 0]] }),
    ).toString('base64url');
    expect(() => decodePageToken('dead-letters:echo', {}, forged)).toThrow(
      'pageToken is not a page token of',
    );
  });
});

describe('the request log line', () => {
  it('names the arguments but not the values published, and the caller as Lambda tells it', () => {
    expect(
      loggedArguments({
        v: 1,
        action: 'publish',
        topic: 't',
        records: [{ value: { secret: 1 } }, { value: 2 }],
      }),
    ).toEqual({ topic: 't', records: 2 });
    expect(
      loggedArguments({ v: 1, action: 'dead-letters', handler: 'h', filter: { error: 'x'.repeat(300) } }),
    ).toEqual({
      handler: 'h',
      filter: { error: `${'x'.repeat(200)}…` },
    });
    expect(callerOf({ awsRequestId: 'r1', clientContext: { custom: { user: 'ana' } } })).toEqual({
      requestId: 'r1',
      cognitoIdentity: null,
      claimedClientContext: { custom: { user: 'ana' } },
    });
    expect(
      callerOf({
        awsRequestId: 'r2',
        invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:ops',
        identity: { cognitoIdentityId: 'id', cognitoIdentityPoolId: 'pool' },
      }),
    ).toEqual({
      requestId: 'r2',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:ops',
      cognitoIdentity: { id: 'id', pool: 'pool' },
      claimedClientContext: null,
    });
  });

  it('reads the handler functions the stack names', () => {
    expect(handlerFunctions('a=Stack-HandlerA-1,b=Stack-HandlerB-2')).toEqual(
      new Map([
        ['a', 'Stack-HandlerA-1'],
        ['b', 'Stack-HandlerB-2'],
      ]),
    );
    expect(handlerFunctions(undefined)).toEqual(new Map());
    expect(() => handlerFunctions('a=')).toThrow(
      'KAFKA_LAMBDA_HANDLER_FUNCTIONS: "a=" is not handler=function',
    );
  });
});
