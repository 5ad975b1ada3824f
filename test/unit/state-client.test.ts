import { createDocumentClient, NODE_VERSION_WARNING_VARIABLE } from '../../shared/state/dynamodb';

const local = { DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' };

describe('the DynamoDB client', () => {
  const saved = process.env[NODE_VERSION_WARNING_VARIABLE];
  afterEach(() => {
    if (saved === undefined) Reflect.deleteProperty(process.env, NODE_VERSION_WARNING_VARIABLE);
    else process.env[NODE_VERSION_WARNING_VARIABLE] = saved;
    jest.restoreAllMocks();
  });

  it("turns off the SDK's Node version warning before the SDK can print it", () => {
    Reflect.deleteProperty(process.env, NODE_VERSION_WARNING_VARIABLE);
    const warn = jest.spyOn(process, 'emitWarning');
    createDocumentClient(local).destroy();
    expect(process.env[NODE_VERSION_WARNING_VARIABLE]).toBe('true');
    expect(warn.mock.calls.map(([w]) => String(w))).not.toContainEqual(
      expect.stringContaining('NodeVersionSupportWarning'),
    );
  });

  it('keeps a value the user set', () => {
    process.env[NODE_VERSION_WARNING_VARIABLE] = 'false';
    createDocumentClient(local).destroy();
    expect(process.env[NODE_VERSION_WARNING_VARIABLE]).toBe('false');
  });
});
