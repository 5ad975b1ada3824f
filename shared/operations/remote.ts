/**
 * The tools over a stack's operations function: each call is one synchronous Lambda Invoke carrying a protocol
 * request; the function answers it with the direct tools inside the VPC. A failure comes back as one line naming
 * what failed: the permission to invoke, the function, or the request.
 */
import { hostname, userInfo } from 'node:os';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { invokeFunction } from './lambda-invoke';
import {
  OperationsError,
  PROTOCOL_VERSION,
  type Action,
  type OperationsResponse,
  type Results,
} from './protocol';
import type { ClusterTools, RequestOf } from './tools';

export interface RemoteToolsOptions {
  lambda: LambdaClient;
  /** The operations function's name or ARN (the stack's `OperationsFunction` output). */
  functionName: string;
  /** For people: `stack KafkaLambda (account 123456789012, eu-west-1)`. */
  target: string;
}

/** What the CLI tells the function about its caller (logged as claimed: Lambda verifies none of it). */
export function clientContext(): Record<string, unknown> {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no user entry for this uid (a container): keep "unknown"
  }
  return { custom: { tool: 'kafka-lambda', user, host: hostname() } };
}

const errorName = (error: unknown): string => (error as { name?: string }).name ?? '';

/** One line for an Invoke the Lambda API refused or could not be reached for. */
export function invokeFailure(functionName: string, error: unknown): OperationsError {
  const message = error instanceof Error ? error.message : String(error);
  const name = errorName(error);
  if (
    name === 'AccessDeniedException' ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403
  )
    return new OperationsError(
      'failed',
      `no permission to invoke the operations function ${functionName}: your identity needs lambda:InvokeFunction on it (${message})`,
    );
  if (name === 'ResourceNotFoundException')
    return new OperationsError(
      'failed',
      `the operations function ${functionName} does not exist (${message})`,
    );
  if (name === 'CredentialsProviderError')
    return new OperationsError('failed', `no AWS credentials to invoke ${functionName}: ${message}`);
  if (name === 'TooManyRequestsException')
    return new OperationsError(
      'failed',
      `Lambda throttled the invoke of ${functionName}: ${message}; try again`,
    );
  return new OperationsError(
    'failed',
    `invoking the operations function ${functionName} failed: ${name || 'Error'}: ${message}`,
  );
}

function isResponse(value: unknown): value is OperationsResponse {
  const r = value as Partial<OperationsResponse> | null;
  return typeof r === 'object' && r !== null && typeof r.v === 'number' && typeof r.ok === 'boolean';
}

export class RemoteTools implements ClusterTools {
  readonly target: string;
  private readonly context = clientContext();

  constructor(private readonly o: RemoteToolsOptions) {
    this.target = o.target;
  }

  async call<A extends Action>(request: RequestOf<A>): Promise<Results[A]> {
    const { functionName } = this.o;
    const payload = JSON.stringify({ v: PROTOCOL_VERSION, ...request });
    let outcome;
    try {
      outcome = await invokeFunction(this.o.lambda, functionName, payload, { clientContext: this.context });
    } catch (error) {
      throw invokeFailure(functionName, error);
    }
    if (!outcome.ok)
      throw new OperationsError(
        'failed',
        `the operations function ${functionName} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`,
      );
    const response = outcome.payload;
    if (!isResponse(response))
      throw new OperationsError(
        'failed',
        `${functionName} answered something that is not an operations response`,
      );
    if (!response.ok) throw new OperationsError(response.error.code, response.error.message);
    return response.result as Results[A];
  }

  async close(): Promise<void> {
    this.o.lambda.destroy();
  }
}
