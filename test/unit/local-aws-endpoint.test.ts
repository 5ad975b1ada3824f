/**
 * The local stack's endpoint as the real AWS SDK clients see it: Lambda's Invoke API (payloads, function errors,
 * log tails, invocation types, the 6 MB limits, unknown functions) and CloudFormation's DescribeStacks; and the
 * remote tools' one-line errors for what the Lambda API answers. The functions behind the endpoint are small
 * stand-ins for local functions; the clients and the HTTP between them are real.
 */
import { createServer, type Server } from 'node:http';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { accountOf, describeFailure } from '../../cli/stack';
import { startAwsEndpoint, type AwsEndpoint } from '../../shared/emulator/aws-endpoint';
import { functionNameOf, type InvokableFunction } from '../../shared/emulator/lambda-invoke-api';
import { LOCAL_CREDENTIALS } from '../../shared/emulator/local-stack';
import { RemoteTools } from '../../shared/operations';

const region = 'eu-west-1';
const outcome = { requestId: 'req-1', durationMs: 12.5 };
let echoed = 0;
const functions: Record<string, InvokableFunction> = {
  echo: {
    invoke: async (event, clientContext) => {
      echoed++;
      return { ...outcome, ok: true, payload: { event: JSON.parse(event), clientContext } };
    },
  },
  boom: {
    invoke: async () => ({
      ...outcome,
      ok: false,
      timedOut: false,
      error: { errorType: 'TypeError', errorMessage: 'boom' },
    }),
  },
  huge: { invoke: async () => ({ ...outcome, ok: true, payload: 'x'.repeat(6_300_000) }) },
  ops: {
    invoke: async (event) => {
      const request = JSON.parse(event) as { action: string };
      if (request.action === 'topics')
        return { ...outcome, ok: true, payload: { v: 1, ok: true, result: [] } };
      if (request.action === 'describe') return { ...outcome, ok: true, payload: 'not a response' };
      return {
        ...outcome,
        ok: true,
        payload: { v: 1, ok: false, error: { code: 'not-found', message: 'no handler named "x"' } },
      };
    },
  },
};

let endpoint: AwsEndpoint;
let lambda: LambdaClient;

beforeAll(async () => {
  endpoint = await startAwsEndpoint({
    port: 0,
    functions: (name) => functions[name],
    functionArn: (name) => `arn:aws:lambda:${region}:000000000000:function:${name}`,
    stack: {
      name: 'local',
      stackId: `arn:aws:cloudformation:${region}:000000000000:stack/local/1234`,
      createdAt: new Date(0),
      outputs: { OperationsFunction: 'ops', HandlerFunctions: 'echo=echo' },
    },
  });
  lambda = new LambdaClient({ region, endpoint: endpoint.endpoint, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  lambda.destroy();
  await endpoint.stop();
});

const invoke = (
  input: Omit<ConstructorParameters<typeof InvokeCommand>[0], 'FunctionName'> & { FunctionName?: string },
) => lambda.send(new InvokeCommand({ FunctionName: 'echo', ...input }));
const payloadOf = (r: { Payload?: Uint8Array }): unknown => JSON.parse(Buffer.from(r.Payload!).toString());

describe("Lambda's Invoke API", () => {
  test('RequestResponse: the result, the executed version, and the client context the function sees', async () => {
    const context = Buffer.from(JSON.stringify({ custom: { user: 'ana' } })).toString('base64');
    const r = await invoke({ Payload: Buffer.from('{"a":1}'), ClientContext: context });
    expect(r.StatusCode).toBe(200);
    expect(r.ExecutedVersion).toBe('$LATEST');
    expect(r.FunctionError).toBeUndefined();
    expect(payloadOf(r)).toEqual({ event: { a: 1 }, clientContext: { custom: { user: 'ana' } } });
  });

  test('a function named by ARN, by account:name, or unqualified $LATEST; another qualifier is not found', async () => {
    for (const FunctionName of [
      `arn:aws:lambda:${region}:000000000000:function:echo`,
      '000000000000:echo',
      'echo:$LATEST',
    ])
      expect((await invoke({ FunctionName, Payload: Buffer.from('{}') })).StatusCode).toBe(200);
    await expect(
      invoke({ FunctionName: 'echo', Qualifier: 'v2', Payload: Buffer.from('{}') }),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Function not found: arn:aws:lambda:${region}:000000000000:function:echo:v2`,
    });
    expect(functionNameOf('arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Aops%3Aprod')).toEqual({
      name: 'ops',
      qualifier: 'prod',
    });
  });

  test('a failed invocation: 200, Unhandled, the error document; with Tail, the platform lines of the log', async () => {
    const r = await invoke({ FunctionName: 'boom', LogType: 'Tail', Payload: Buffer.from('{}') });
    expect(r.StatusCode).toBe(200);
    expect(r.FunctionError).toBe('Unhandled');
    expect(payloadOf(r)).toEqual({ errorType: 'TypeError', errorMessage: 'boom' });
    expect(Buffer.from(r.LogResult!, 'base64').toString()).toBe(
      'START RequestId: req-1 Version: $LATEST\nEND RequestId: req-1\nREPORT RequestId: req-1\tDuration: 12.50 ms\n',
    );
  });

  test('the 6 MB limits: a larger request is refused, a larger response becomes the function error', async () => {
    const before = echoed;
    await expect(
      invoke({ Payload: Buffer.from(JSON.stringify('y'.repeat(6_300_000))) }),
    ).rejects.toMatchObject({
      name: 'RequestTooLargeException',
    });
    const big = await invoke({ FunctionName: 'huge', Payload: Buffer.from('{}') });
    expect(big.FunctionError).toBe('Unhandled');
    expect(payloadOf(big)).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
    expect(echoed).toBe(before); // the refused request never reached the function
  });

  test('DryRun and Event: 204 and 202 without a body; a payload that is not JSON is refused', async () => {
    expect((await invoke({ InvocationType: 'DryRun', Payload: Buffer.from('{}') })).StatusCode).toBe(204);
    expect((await invoke({ InvocationType: 'Event', Payload: Buffer.from('{}') })).StatusCode).toBe(202);
    await expect(invoke({ Payload: Buffer.from('{nope') })).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
    });
    await expect(invoke({ FunctionName: 'nope', Payload: Buffer.from('{}') })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe("CloudFormation's DescribeStacks", () => {
  test('the local stack with its outputs; another stack does not exist', async () => {
    const cfn = new CloudFormationClient({
      region,
      endpoint: endpoint.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'local' }));
    expect(Stacks?.[0]?.Outputs?.map((o) => [o.OutputKey, o.OutputValue])).toEqual([
      ['OperationsFunction', 'ops'],
      ['HandlerFunctions', 'echo=echo'],
    ]);
    expect(accountOf(Stacks?.[0]?.StackId)).toBe('000000000000');
    const error = await cfn
      .send(new DescribeStacksCommand({ StackName: 'KafkaLambda' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id KafkaLambda does not exist',
    });
    expect(describeFailure('KafkaLambda', region, error).message).toBe(
      'stack KafkaLambda not found in eu-west-1 (AWS_REGION and AWS_PROFILE choose the region and account)',
    );
    cfn.destroy();
  });
});

describe('the remote tools say in one line what failed', () => {
  const remote = (functionName: string, client = lambda) =>
    new RemoteTools({ lambda: client, functionName, target: 'stack local' });

  test('answers, refusals, function errors, and what is not an operations response', async () => {
    expect(await remote('ops').call({ action: 'topics' })).toEqual([]);
    await expect(remote('ops').call({ action: 'groups' })).rejects.toMatchObject({
      code: 'not-found',
      message: 'no handler named "x"',
    });
    await expect(remote('boom').call({ action: 'topics' })).rejects.toMatchObject({
      code: 'failed',
      message: 'the operations function boom failed: TypeError: boom',
    });
    await expect(remote('ops').call({ action: 'describe' })).rejects.toMatchObject({
      message: 'ops answered something that is not an operations response',
    });
    await expect(remote('gone').call({ action: 'topics' })).rejects.toMatchObject({
      message: expect.stringMatching(/^the operations function gone does not exist \(Function not found/),
    });
  });

  test('no permission to invoke, as the Lambda API answers it (403 AccessDeniedException)', async () => {
    const denying: Server = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' });
      res.end(
        JSON.stringify({
          Message: 'User: arn:aws:iam::1:user/ana is not authorized to perform: lambda:InvokeFunction',
        }),
      );
    });
    await new Promise<void>((resolve) => denying.listen(0, '127.0.0.1', resolve));
    const client = new LambdaClient({
      region,
      endpoint: `http://127.0.0.1:${(denying.address() as { port: number }).port}`,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      await expect(remote('ops', client).call({ action: 'topics' })).rejects.toMatchObject({
        message:
          'no permission to invoke the operations function ops: your identity needs lambda:InvokeFunction on it (User: arn:aws:iam::1:user/ana is not authorized to perform: lambda:InvokeFunction)',
      });
    } finally {
      client.destroy();
      await new Promise<void>((resolve) => denying.close(() => resolve()));
    }
  });
});
