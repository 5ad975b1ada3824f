/**
 * The local stack: what `npm start` adds beside the emulator so the tools' remote path runs for real. The
 * operations function runs in a container of its own, as any function, and a loopback endpoint speaks Lambda's
 * Invoke API (for it and every handler function) and CloudFormation's DescribeStacks (for the stack `local`).
 * `--stack local` then goes through the AWS SDK clients, this endpoint, the function's container and the broker.
 * The endpoint's address is written to `<local home>/local-stack.json` for the command line to find.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { localHome } from '../local-home';
import { OPERATIONS_FUNCTION, operationsPlanOf } from '../operations/app';
import { appDirOf, catalogOf, writeOperationsEntry } from '../operations/function-entry';
import { startAwsEndpoint } from './aws-endpoint';
import type { LocalStackDescription } from './cloudformation-api';
import type { Emulator } from './emulator';
import type { InvokableFunction } from './lambda-invoke-api';
import { LOCAL_ACCOUNT, localFunctionArn } from './local-arns';
import { LocalFunction } from './local-function';

export const LOCAL_STACK_NAME = 'local';
export const LOCAL_OPERATIONS_FUNCTION = 'kafka-lambda-operations';
/** Placeholder credentials: the SDK signs every request, the local endpoint checks no signature. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface LocalStackOptions {
  emulator: Emulator;
  /** @default AWS_REGION, else us-east-1 */
  region?: string;
  /** The endpoint's port; 0 for any free one. @default 0 */
  port?: number;
  /** Where the operations function's stdout and stderr go. @default - this process's */
  output?: (chunk: string, stream: 'stdout' | 'stderr', fn: string) => void;
  /** The most records one replay or publish may carry. @default OPERATIONS_FUNCTION.maxRecordsPerRequest */
  maxRecordsPerRequest?: number;
  /**
   * Write `local-stack.json`, so `--stack local` finds this stack (a benchmark leaves the developer's alone).
   * @default true
   */
  register?: boolean;
}

export interface LocalStack {
  /** `http://127.0.0.1:<port>`: the Lambda and CloudFormation endpoint of the stack `local`. */
  endpoint: string;
  region: string;
  operations: LocalFunction;
  stop(): Promise<void>;
}

/** What `local-stack.json` holds: how the command line reaches the stack `local`. */
export interface LocalStackState {
  endpoint: string;
  region: string;
  pid: number;
}

export const localStackFile = (): string => join(localHome(), 'local-stack.json');

/** The running local stack, if `npm start` (dev) runs one; a file left by a process that is gone is ignored. */
export function readLocalStack(): LocalStackState | undefined {
  try {
    const state = JSON.parse(readFileSync(localStackFile(), 'utf8')) as LocalStackState;
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const { emulator } = o;
  const region = o.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const appDir = appDirOf(emulator.manifest);
  if (!appDir) throw new Error('the local stack needs an application with handlers under <app>/handlers/');
  const entry = writeOperationsEntry(
    operationsPlanOf(emulator.manifest),
    catalogOf(appDir),
    join(localHome(), 'operations-function'),
  );
  const functions = new Map<string, InvokableFunction>(emulator.functions);
  const stack: LocalStackDescription = {
    name: LOCAL_STACK_NAME,
    stackId: `arn:aws:cloudformation:${region}:${LOCAL_ACCOUNT}:stack/${LOCAL_STACK_NAME}/${randomUUID()}`,
    createdAt: new Date(),
    outputs: {
      OperationsFunction: LOCAL_OPERATIONS_FUNCTION,
      HandlerFunctions: [...emulator.functions.keys()].map((h) => `${h}=${h}`).join(','),
    },
  };

  const server = await startAwsEndpoint({
    port: o.port ?? 0,
    functions: (name) => functions.get(name),
    functionArn: (name) => localFunctionArn(region, name),
    stack,
  });
  const { endpoint } = server;

  const output = o.output;
  const operations = new LocalFunction({
    name: LOCAL_OPERATIONS_FUNCTION,
    entry,
    environment: {
      KAFKA_AUTH: 'none',
      KAFKA_BROKERS: emulator.brokers.join(','),
      KAFKA_CLUSTER_ARN: emulator.clusterArn,
      KAFKA_LAMBDA_HANDLER_FUNCTIONS: stack.outputs.HandlerFunctions!,
      KAFKA_LAMBDA_OPERATIONS_MAX_RECORDS: String(
        o.maxRecordsPerRequest ?? OPERATIONS_FUNCTION.maxRecordsPerRequest,
      ),
      AWS_ENDPOINT_URL_LAMBDA: endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      NODE_OPTIONS: '--enable-source-maps',
      // The SDK's notice that its 2027 releases need Node 22 (Lambda's runtime is 22; the local one may be 20).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    timeoutSeconds: OPERATIONS_FUNCTION.timeoutSeconds,
    memoryMb: OPERATIONS_FUNCTION.memoryMb,
    region,
    account: LOCAL_ACCOUNT,
    ...(output && { output: (chunk, stream) => output(chunk, stream, LOCAL_OPERATIONS_FUNCTION) }),
  });
  functions.set(LOCAL_OPERATIONS_FUNCTION, operations);
  // A container ahead of the first request, as for the handlers; a module that does not load says so there.
  void operations.warm();

  if (o.register !== false) {
    const state: LocalStackState = { endpoint, region, pid: process.pid };
    mkdirSync(localHome(), { recursive: true });
    writeFileSync(localStackFile(), `${JSON.stringify(state)}\n`);
  }
  return {
    endpoint,
    region,
    operations,
    async stop() {
      if (readLocalStack()?.endpoint === endpoint) rmSync(localStackFile(), { force: true });
      await server.stop();
      await operations.stop();
    },
  };
}
