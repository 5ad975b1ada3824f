/**
 * Lambda's Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`, the path @aws-sdk/client-lambda
 * sends) answered by local functions, as Lambda answers it:
 *  - RequestResponse: 200 with the function's JSON result; a failed invocation is still 200, with
 *    `X-Amz-Function-Error: Unhandled` and the runtime's error document as the body; `X-Amz-Executed-Version`.
 *  - Event: 202 with no body, the function invoked in the background; DryRun: 204.
 *  - `X-Amz-Client-Context` (base64 JSON, at most 3,583 characters) reaches the function as context.clientContext.
 *  - `X-Amz-Log-Type: Tail` answers `X-Amz-Log-Result`: base64 of the platform's START/END/REPORT lines (the
 *    function's own output goes to the dev log, not here).
 *  - A request over 6 MB is refused (413 RequestTooLargeException), a response over 6,291,556 bytes becomes the
 *    function error Function.ResponseSizeTooLarge, an unknown function or qualifier is 404
 *    ResourceNotFoundException, and a payload that is not JSON 400 InvalidRequestContentException.
 * Requests are not authenticated: the endpoint listens on loopback only.
 */
import type { IncomingMessage } from 'node:http';
import type { InvokeOutcome } from './local-function';

export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** Lambda's synchronous invocation limits: request 6 MB; the response limit its error message states. */
export const REQUEST_LIMIT_BYTES = 6 * 1024 * 1024;
export const RESPONSE_LIMIT_BYTES = 6_291_556;
const CLIENT_CONTEXT_LIMIT = 3583;

/** A function the endpoint can invoke: an emulator's handler function or the local operations function. */
export interface InvokableFunction {
  invoke(event: string, clientContext?: unknown): Promise<InvokeOutcome>;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** An error of the Lambda API itself (not of the function), in the shape the SDK reads. */
export const apiError = (status: number, type: string, message: string): ApiResponse =>
  json(status, { Type: 'User', message }, { 'x-amzn-errortype': type });

/** The function name of a path segment: a name, `account:name` or an ARN, each with an optional `:qualifier`. */
export function functionNameOf(segment: string): { name: string; qualifier?: string } {
  const text = decodeURIComponent(segment);
  const parts = text.startsWith('arn:') ? text.split(':').slice(6) : text.split(':');
  // [name] | [name, qualifier] | [account, name] | [account, name, qualifier]
  const named = /^\d{12}$/.test(parts[0] ?? '') ? parts.slice(1) : parts;
  return { name: named[0] ?? '', ...(named[1] !== undefined && { qualifier: named[1] }) };
}

function clientContextOf(header: string | undefined): { ok: true; value?: unknown } | { ok: false } {
  if (header === undefined) return { ok: true };
  if (header.length > CLIENT_CONTEXT_LIMIT) return { ok: false };
  try {
    const value = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? { ok: true, value } : { ok: false };
  } catch {
    return { ok: false };
  }
}

function logTail(requestId: string, durationMs: number): string {
  const lines = [
    `START RequestId: ${requestId} Version: $LATEST`,
    `END RequestId: ${requestId}`,
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms`,
    '',
  ];
  return Buffer.from(lines.join('\n')).toString('base64');
}

export async function answerInvoke(
  request: IncomingMessage,
  body: Buffer,
  segment: string,
  lookup: (name: string) => InvokableFunction | undefined,
  functionArn: (name: string) => string,
): Promise<ApiResponse> {
  const { name, qualifier } = functionNameOf(segment);
  const q = new URL(request.url ?? '/', 'http://local').searchParams.get('Qualifier') ?? qualifier;
  const fn = lookup(name);
  if (!fn || (q !== undefined && q !== '$LATEST'))
    return apiError(
      404,
      'ResourceNotFoundException',
      `Function not found: ${functionArn(name)}${q ? `:${q}` : ''}`,
    );
  if (body.length > REQUEST_LIMIT_BYTES)
    return apiError(
      413,
      'RequestTooLargeException',
      `Request must be smaller than ${REQUEST_LIMIT_BYTES} bytes for the InvokeFunction operation`,
    );
  const text = body.length ? body.toString('utf8') : '{}';
  try {
    JSON.parse(text);
  } catch (error) {
    return apiError(
      400,
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(error as Error).message}`,
    );
  }
  const context = clientContextOf(request.headers['x-amz-client-context'] as string | undefined);
  if (!context.ok)
    return apiError(
      400,
      'InvalidRequestContentException',
      'Client context must be a valid Base64-encoded JSON object.',
    );
  const type = (request.headers['x-amz-invocation-type'] as string | undefined) ?? 'RequestResponse';
  if (type === 'DryRun') return { status: 204, headers: {}, body: '' };
  if (type === 'Event') {
    void fn.invoke(text, context.value).catch(() => undefined);
    return { status: 202, headers: {}, body: '' };
  }
  if (type !== 'RequestResponse')
    return apiError(
      400,
      'InvalidParameterValueException',
      `InvocationType ${type} is not one of RequestResponse, Event, DryRun`,
    );

  const outcome = await fn.invoke(text, context.value);
  const headers: Record<string, string> = { 'x-amz-executed-version': '$LATEST' };
  if (request.headers['x-amz-log-type'] === 'Tail')
    headers['x-amz-log-result'] = logTail(outcome.requestId, outcome.durationMs);
  if (!outcome.ok) return json(200, outcome.error, { ...headers, 'x-amz-function-error': 'Unhandled' });
  const result = JSON.stringify(outcome.payload);
  if (Buffer.byteLength(result) > RESPONSE_LIMIT_BYTES)
    return json(
      200,
      {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT_BYTES} bytes).`,
      },
      { ...headers, 'x-amz-function-error': 'Unhandled' },
    );
  return { status: 200, headers: { 'content-type': 'application/json', ...headers }, body: result };
}
