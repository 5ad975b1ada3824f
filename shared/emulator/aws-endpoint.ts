/**
 * The loopback HTTP server of the local stack: Lambda's Invoke API for local functions (lambda-invoke-api.ts) and
 * CloudFormation's DescribeStacks for the local stack (cloudformation-api.ts), on 127.0.0.1 only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { answerCloudFormation, isQueryRequest, type LocalStackDescription } from './cloudformation-api';
import {
  answerInvoke,
  apiError,
  INVOKE_PATH,
  REQUEST_LIMIT_BYTES,
  type ApiResponse,
  type InvokableFunction,
} from './lambda-invoke-api';

export interface AwsEndpointOptions {
  /** 0 for any free port. */
  port: number;
  functions: (name: string) => InvokableFunction | undefined;
  functionArn: (name: string) => string;
  stack: LocalStackDescription;
}

export interface AwsEndpoint {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  stop(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      // Kept until past the limit (so the body is seen to pass it), dropped after: the answer is 413 anyway.
      if (size <= REQUEST_LIMIT_BYTES) chunks.push(chunk);
      size += chunk.length;
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startAwsEndpoint(o: AwsEndpointOptions): Promise<AwsEndpoint> {
  const answer = async (request: IncomingMessage): Promise<ApiResponse> => {
    const body = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://local').pathname;
    const invoke = INVOKE_PATH.exec(path);
    if (request.method === 'POST' && invoke)
      return answerInvoke(request, body, invoke[1]!, o.functions, o.functionArn);
    if (isQueryRequest(request.method, path)) return answerCloudFormation(body, o.stack);
    return apiError(
      404,
      'UnknownOperationException',
      `${request.method} ${path} is not an API of this local endpoint`,
    );
  };
  const server = createServer((request, response) => {
    void answer(request)
      .catch((error: unknown) =>
        apiError(500, 'ServiceException', error instanceof Error ? error.message : String(error)),
      )
      .then((r) => {
        response.writeHead(r.status, { ...r.headers, 'x-amzn-requestid': randomUUID() });
        response.end(r.body);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
