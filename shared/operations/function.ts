/**
 * The operations function: an ordinary Lambda handler module serving the operations protocol over Invoke, from
 * inside the VPC (on AWS) or a local container (`npm start`). It is bundled with the application's plan as data and
 * its topic catalog (function-entry.ts writes the entry); it never loads a handler module.
 *
 * Configuration, from the environment infra (or the local stack) sets:
 *   KAFKA_BROKERS, KAFKA_AUTH, AWS_REGION   the cluster, as for every function (shared/kafka/connection.ts)
 *   KAFKA_CLUSTER_ARN                       the eventSourceArn of replayed events
 *   KAFKA_LAMBDA_HANDLER_FUNCTIONS          `handler=function name,...`: what a replay invokes
 *   KAFKA_LAMBDA_OPERATIONS_MAX_RECORDS     the most records one replay or publish may carry (default 1000)
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { kafkaConfigFromEnv } from '../kafka/connection';
import { createLogger } from '../lambda/logger';
import type { AppPlan } from '../declarations/app-plan';
import { OPERATIONS_FUNCTION, operationsAppFrom } from './app';
import { DirectTools } from './direct';
import { parseRequest } from './inputs';
import { lambdaInvoker } from './lambda-invoke';
import {
  OperationsError,
  PROTOCOL_VERSION,
  type OperationsRequest,
  type OperationsResponse,
} from './protocol';

/** What of Lambda's context object this reads: the invocation's id and what Lambda says of its caller. */
export interface InvocationContext {
  awsRequestId: string;
  invokedFunctionArn?: string;
  /** Set only for callers with credentials from an Amazon Cognito identity pool. */
  identity?: { cognitoIdentityId?: string; cognitoIdentityPoolId?: string };
  /** What the caller put in the Invoke's ClientContext: its own claim, unverified by Lambda. */
  clientContext?: unknown;
}

/** `name=value,name=value` as a map; a malformed entry is a configuration error naming it. */
export function handlerFunctions(text: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of (text ?? '').split(',').filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at <= 0 || at === entry.length - 1)
      throw new Error(`KAFKA_LAMBDA_HANDLER_FUNCTIONS: "${entry}" is not handler=function`);
    map.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return map;
}

function maxRecordsFrom(value: string | undefined): number {
  if (value === undefined || value === '') return OPERATIONS_FUNCTION.maxRecordsPerRequest;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`KAFKA_LAMBDA_OPERATIONS_MAX_RECORDS must be a positive integer, got "${value}"`);
  return n;
}

const clip = (value: unknown): unknown =>
  typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}…` : value;

/** The request's arguments for the log: filters and names as given, record values left out (only their count). */
export function loggedArguments(request: OperationsRequest): Record<string, unknown> {
  const { v: _v, action: _a, ...args } = request;
  if ('records' in args) return { ...args, records: args.records.length };
  return JSON.parse(JSON.stringify(args, (_k, value: unknown) => clip(value))) as Record<string, unknown>;
}

/**
 * Who called, as far as Lambda tells a function: nothing of the caller's IAM identity reaches it. `identity` is
 * set only for Amazon Cognito credentials; `clientContext` is whatever the caller sent (the kafka-lambda CLI sends
 * its user and host), so it is logged as claimed. The request id is what CloudTrail's Lambda data events (when
 * enabled) record beside the caller's verified identity.
 */
export function callerOf(context: InvocationContext): Record<string, unknown> {
  return {
    requestId: context.awsRequestId,
    ...(context.invokedFunctionArn && { invokedFunctionArn: context.invokedFunctionArn }),
    cognitoIdentity: context.identity?.cognitoIdentityId
      ? { id: context.identity.cognitoIdentityId, pool: context.identity.cognitoIdentityPoolId }
      : null,
    claimedClientContext: context.clientContext ?? null,
  };
}

const refused = (error: OperationsError): OperationsResponse => ({
  v: PROTOCOL_VERSION,
  ok: false,
  error: { code: error.code, message: error.message },
});

export function operationsHandler(o: { plan: AppPlan; catalog: Readonly<Record<string, unknown>> }) {
  // Every request is logged whatever LOG_LEVEL says: the lines are the record of who asked for what.
  const log = createLogger({ component: 'operations' }, 'info');
  let tools: DirectTools | undefined;
  const toolsOf = (): DirectTools => {
    if (tools) return tools;
    const functions = handlerFunctions(process.env.KAFKA_LAMBDA_HANDLER_FUNCTIONS);
    const lambda = new LambdaClient({});
    tools = new DirectTools({
      app: operationsAppFrom(o.plan, o.catalog),
      kafka: kafkaConfigFromEnv(),
      invokerFor: (handler) => {
        const name = functions.get(handler.name);
        if (!name)
          throw new OperationsError(
            'failed',
            `this stack has no function for handler ${handler.name} (KAFKA_LAMBDA_HANDLER_FUNCTIONS)`,
          );
        return lambdaInvoker(lambda, name);
      },
      ...(process.env.KAFKA_CLUSTER_ARN && { clusterArn: process.env.KAFKA_CLUSTER_ARN }),
      maxRecordsPerRequest: maxRecordsFrom(process.env.KAFKA_LAMBDA_OPERATIONS_MAX_RECORDS),
    });
    return tools;
  };

  return async (event: unknown, context: InvocationContext): Promise<OperationsResponse> => {
    const started = Date.now();
    const caller = callerOf(context);
    let request: OperationsRequest;
    try {
      request = parseRequest(event);
    } catch (error) {
      if (!(error instanceof OperationsError)) throw error;
      log.warn('operations request refused', { caller, code: error.code, error: error.message });
      return refused(error);
    }
    log.info('operations request', { action: request.action, arguments: loggedArguments(request), caller });
    try {
      const result = await toolsOf().handle(request);
      return { v: PROTOCOL_VERSION, ok: true, result };
    } catch (error) {
      const known = error instanceof OperationsError;
      log.warn('operations request failed', {
        action: request.action,
        code: known ? error.code : 'failed',
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        requestId: context.awsRequestId,
        ms: Date.now() - started,
      });
      if (!known) throw error; // Kafka's or this function's failure: Lambda's function error, with its type
      return refused(error);
    }
  };
}
