/**
 * A synchronous Lambda Invoke through the AWS SDK, read as Lambda answers it: a function error comes back with
 * status 200, the `X-Amz-Function-Error` header and the runtime's error document as payload. The operations
 * function replays to a handler's deployed function with it; the remote tools call the operations function.
 * Pointed at the local endpoint by AWS_ENDPOINT_URL_LAMBDA (or an explicit endpoint), as any SDK client is.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FunctionInvoker, InvokeResult } from './replay';

/** Lambda's limit on the base64 text of the client context (the Invoke API's ClientContext). */
const CLIENT_CONTEXT_LIMIT = 3583;

export interface InvokeOptions {
  /** JSON the function sees as `context.clientContext` (the caller says it; Lambda checks nothing). */
  clientContext?: Record<string, unknown>;
}

function clientContextHeader(value: Record<string, unknown> | undefined): string | undefined {
  if (value === undefined) return undefined;
  const encoded = Buffer.from(JSON.stringify(value)).toString('base64');
  return encoded.length <= CLIENT_CONTEXT_LIMIT ? encoded : undefined;
}

export async function invokeFunction(
  client: LambdaClient,
  functionName: string,
  payload: string,
  o: InvokeOptions = {},
): Promise<InvokeResult> {
  const clientContext = clientContextHeader(o.clientContext);
  const response = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(payload),
      ...(clientContext && { ClientContext: clientContext }),
    }),
  );
  const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : 'null';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (response.FunctionError) {
    const error = body as { errorType?: unknown; errorMessage?: unknown } | null;
    return {
      ok: false,
      error: {
        errorType: typeof error?.errorType === 'string' ? error.errorType : response.FunctionError,
        errorMessage: typeof error?.errorMessage === 'string' ? error.errorMessage : text,
      },
    };
  }
  return { ok: true, payload: body };
}

/** A function invoked by name through a Lambda client. */
export const lambdaInvoker = (client: LambdaClient, functionName: string): FunctionInvoker => ({
  invoke: (payload) => invokeFunction(client, functionName, payload),
});
