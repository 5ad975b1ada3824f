/**
 * One function container: runs in its own worker thread, as a Lambda execution environment runs in its own
 * sandbox. It is the entry of the function's bundle (function-bundle.ts) and loads the handler module once (the init phase), then serves one invocation at a time. Module state,
 * the environment and the Kafka producer belong to this container alone, so nothing leaks between handlers, and a
 * timeout can end it for good (the emulator terminates the worker, as Lambda resets a timed-out sandbox).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { closeDefaultSink } from '../lambda/adapter';
import { observeInvocation, type InvocationReport } from '../lambda/invocation-report';
import { unpackEvent } from './event-transfer';
import type {
  ContainerSetup,
  FromContainer,
  FunctionError,
  InvocationSummary,
  ToContainer,
} from './container-protocol';

type Handler = (event: unknown, context: LambdaContext) => unknown;

/** The context object Lambda's Node.js runtime passes as the second argument. */
interface LambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  /** What the caller sent as the Invoke's ClientContext (decoded), as Lambda's runtime passes it. */
  clientContext?: unknown;
}

const setup = workerData as ContainerSetup;
const port = parentPort!;
const send = (message: FromContainer): void => port.postMessage(message);
const transfer = Buffer.from(setup.transfer);

/** Lambda's error document for anything thrown: its name as errorType, its message and stack. */
function functionError(error: unknown, fallbackType: string): FunctionError {
  if (error instanceof Error) {
    return {
      errorType: error.name || fallbackType,
      errorMessage: error.message,
      ...(error.stack && { trace: error.stack.split('\n') }),
    };
  }
  return { errorType: fallbackType, errorMessage: String(error) };
}

function summarize(report: InvocationReport): InvocationSummary {
  return {
    records: report.records,
    handled: report.handled.length,
    retries: report.retries,
    deadLettered: report.deadLettered,
    failed: report.failed,
    ...(report.metrics && { metrics: report.metrics }),
    ...(report.spans && { spans: report.spans }),
  };
}

function load(): Handler {
  // The bundle (function-bundle.ts) resolves this specifier to the handler's module and evaluates it here, at the
  // require, so an error thrown while the module loads is the init error Lambda reports.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved at bundle time
  const exports = require('kafka-lambda:handler-module') as Record<string, unknown>;
  const handler = exports[setup.exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${setup.entry} does not export a function named ${setup.exportName}`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler as Handler;
}

async function invoke(handler: Handler, message: Extract<ToContainer, { type: 'invoke' }>): Promise<void> {
  const { id, deadlineMs } = message;
  const event =
    'packed' in message ? unpackEvent(message.packed, transfer) : (JSON.parse(message.event) as object);
  let summary: InvocationSummary | undefined;
  observeInvocation(event, (report) => (summary = summarize(report)));
  const context: LambdaContext = {
    functionName: setup.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: setup.functionArn,
    memoryLimitInMB: String(setup.memoryMb),
    awsRequestId: id,
    logGroupName: setup.logGroupName,
    logStreamName: setup.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    ...(message.clientContext !== undefined && { clientContext: message.clientContext }),
  };
  try {
    const result = await handler(event, context);
    // What Lambda's runtime sends back: the JSON text of the result, `null` when there is none.
    const payload = result === undefined ? 'null' : JSON.stringify(result);
    send({ type: 'result', id, payload: payload ?? 'null', ...(summary && { summary }) });
  } catch (error) {
    send({ type: 'error', id, error: functionError(error, 'Error'), ...(summary && { summary }) });
  }
}

function start(): void {
  const began = Date.now();
  let handler: Handler;
  try {
    handler = load();
  } catch (error) {
    send({ type: 'init-error', error: functionError(error, 'Runtime.ImportModuleError') });
    return;
  }
  send({ type: 'ready', initMs: Date.now() - began });
  port.on('message', (message: ToContainer) => {
    if (message.type === 'invoke') {
      void invoke(handler, message);
    } else {
      void closeDefaultSink()
        .catch(() => undefined) // the producer's own failures were reported to the sends that hit them
        .then(() => {
          send({ type: 'closed' });
          port.close();
        });
    }
  });
}

start();
