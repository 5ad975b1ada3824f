/**
 * A handler's function, locally: a pool of containers (worker threads, see container.ts) that grows with
 * concurrent invocations up to the reserved concurrency or the machine's cores (LOCAL_CONCURRENCY), as Lambda adds
 * execution environments. Each invocation gets the event (packed in the container's transfer buffer, or as JSON
 * text) and a deadline; past `timeoutSeconds` its container is terminated and the invocation fails as Lambda's does
 * (`Sandbox.Timedout`), and the next one starts cold. The code is bundled as infra deploys
 * it (function-bundle.ts) once per version; reloading bundles it again and retires every container: new
 * invocations get fresh ones.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HandlerPlan, TopicSettings } from '../declarations/app-plan';
import {
  containerEnvironment,
  deployedEnvironment,
  type LocalEnvironmentOptions,
} from './function-environment';
import { PAYLOAD_LIMIT_BYTES, type EventPayload } from './event-payload';
import { packEvent } from './event-transfer';
import { bundleFunction, type BundleResult } from './function-bundle';
import { LOCAL_ACCOUNT } from './local-arns';
import type {
  ContainerSetup,
  FromContainer,
  FunctionError,
  InvocationSummary,
  ToContainer,
} from './container-protocol';

export interface LocalFunctionOptions {
  /** The function's name (the handler's name). */
  name: string;
  /** The module Lambda loads; its `handler` export is invoked. */
  entry: string;
  /** What infra sets on the deployed function, with local values (deployedEnvironment). */
  environment: Readonly<Record<string, string>>;
  /**
   * The tables it declares: the emulator gives it the local DynamoDB.
   * @default - none
   */
  tables?: readonly { name: string }[];
  /**
   * The local DynamoDB and the variables passed through from this process by name.
   * @default - neither
   */
  local?: LocalEnvironmentOptions;
  timeoutSeconds: number;
  memoryMb: number;
  /**
   * Modules left out of the bundle, as infra leaves them out (shared/declarations/bundling.ts).
   * @default - none
   */
  externalModules?: readonly string[];
  /** At most this many containers at once (the reserved concurrency); never more than LOCAL_CONCURRENCY. */
  maxConcurrency?: number;
  /** Region and account of the function's ARN. */
  region: string;
  account: string;
  /** Where the function's stdout and stderr go; default: this process's. */
  output?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

interface Outcome {
  requestId: string;
  durationMs: number;
  summary?: InvocationSummary;
}

export type InvokeOutcome =
  | (Outcome & { ok: true; /** The handler's answer, parsed from its JSON. */ payload: unknown })
  | (Outcome & { ok: false; error: FunctionError; timedOut: boolean });

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Containers a function runs at once locally when its declaration reserves no fewer: the machine's cores less the
 * one the event source's own thread needs (fetching, decoding, packing), at least one. On AWS every concurrent
 * invocation gets an environment of its own; here they share the cores, and each extra container costs a cold start
 * (compiling the bundle) and a JIT warm-up of its own. An invocation that finds every container busy waits for one,
 * as one over the reserved concurrency does. On two cores one container handled 300,000 records at 114-118k/s where
 * two did 86-102k/s and six 60-74k/s.
 */
export const LOCAL_CONCURRENCY = Math.max(1, availableParallelism() - 1);

const exitError = (requestId: string, detail: string): FunctionError => ({
  errorType: 'Runtime.ExitError',
  errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${detail}`,
});

/** A container's environment (function-environment.ts): the deployed function's variables, with local values. */
function environmentOf(
  o: LocalFunctionOptions,
  container: { logStreamName: string; taskRoot: string },
): Record<string, string> {
  return containerEnvironment({
    infra: o.environment,
    tables: o.tables ?? [],
    runtime: { name: o.name, memoryMb: o.memoryMb, region: o.region, ...container },
    local: o.local ?? {},
  });
}

/**
 * The heap Lambda's Node.js runtime gives a function of `memoryMb`: its bootstrap starts node with
 * `--max-semi-space-size` of a twentieth of the memory and `--max-old-space-size` of the memory less a tenth. V8's
 * young generation is three semi-spaces (two and the new large-object space), which is what a worker's limit sets.
 */
export function lambdaHeapLimits(memoryMb: number): {
  maxYoungGenerationSizeMb: number;
  maxOldGenerationSizeMb: number;
} {
  const newSpace = Math.floor(memoryMb / 10);
  const semiSpace = Math.floor(newSpace / 2);
  return { maxYoungGenerationSizeMb: 3 * semiSpace, maxOldGenerationSizeMb: memoryMb - newSpace };
}

/** One execution environment: a worker running container.ts around the handler module. */
class Container {
  readonly ready: Promise<FunctionError | undefined>;
  private readonly worker: Worker;
  /** Where this container's events are packed: one invocation at a time uses it. */
  private readonly transfer = Buffer.from(new SharedArrayBuffer(PAYLOAD_LIMIT_BYTES));
  private current: { id: string; settle: (outcome: InvokeOutcome) => void; started: number } | undefined;
  private closed: (() => void) | undefined;
  /** Set once the container can take no more invocations (crashed, timed out, exited). */
  dead = false;

  constructor(
    private readonly o: LocalFunctionOptions,
    readonly generation: number,
    bundleFile: string,
  ) {
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    const logStreamName = `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const setup: ContainerSetup = {
      entry: o.entry,
      exportName: 'handler',
      functionName: o.name,
      functionArn: `arn:aws:lambda:${o.region}:${o.account}:function:${o.name}`,
      memoryMb: o.memoryMb,
      logGroupName: `/aws/lambda/${o.name}`,
      logStreamName,
      transfer: this.transfer.buffer as SharedArrayBuffer,
    };
    this.worker = new Worker(bundleFile, {
      workerData: setup,
      // The machine's environment, then the function's own, then Lambda's runtime variables on top.
      // Exactly the deployed function's variables, with local values: nothing else from this process.
      env: environmentOf(o, { logStreamName, taskRoot: dirname(bundleFile) }),
      execArgv: [],
      // The function's memory setting bounds its heap; past it the container dies as Lambda's does.
      resourceLimits: lambdaHeapLimits(o.memoryMb),
      stdout: o.output !== undefined,
      stderr: o.output !== undefined,
    });
    if (o.output) {
      const output = o.output;
      this.worker.stdout.on('data', (chunk: Buffer) => output(chunk.toString(), 'stdout'));
      this.worker.stderr.on('data', (chunk: Buffer) => output(chunk.toString(), 'stderr'));
    }
    this.ready = new Promise((resolve) => {
      this.worker.on('message', (message: FromContainer) => {
        if (message.type === 'ready') resolve(undefined);
        else if (message.type === 'init-error') {
          this.dead = true;
          resolve(message.error);
          void this.worker.terminate();
        } else this.settle(message);
      });
      this.worker.on('error', (error: Error & { code?: string }) => {
        this.dead = true;
        const failure: FunctionError =
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? {
                errorType: 'Runtime.OutOfMemory',
                errorMessage: `Runtime exited with error: the function ran out of its ${o.memoryMb} MB`,
              }
            : { errorType: error.name || 'Error', errorMessage: error.message };
        resolve(failure);
        this.fail(failure);
      });
      this.worker.on('exit', (code) => {
        this.dead = true;
        this.closed?.();
        const failure = exitError(this.current?.id ?? '-', `exit status ${code}`);
        resolve(failure);
        this.fail(failure);
      });
    });
  }

  private settle(message: FromContainer): void {
    if (message.type === 'closed') return this.closed?.();
    if (message.type !== 'result' && message.type !== 'error') return;
    const current = this.current;
    if (!current || current.id !== message.id) return;
    const base = {
      requestId: current.id,
      durationMs: Date.now() - current.started,
      ...(message.summary && { summary: message.summary }),
    };
    this.finish(
      message.type === 'result'
        ? { ...base, ok: true, payload: JSON.parse(message.payload) as unknown }
        : { ...base, ok: false, error: message.error, timedOut: false },
    );
  }

  private fail(error: FunctionError, timedOut = false): void {
    const current = this.current;
    if (current)
      this.finish({
        requestId: current.id,
        durationMs: Date.now() - current.started,
        ok: false,
        error,
        timedOut,
      });
  }

  private finish(outcome: InvokeOutcome): void {
    const current = this.current;
    this.current = undefined;
    current?.settle(outcome);
  }

  invoke(event: EventPayload | string, clientContext?: unknown): Promise<InvokeOutcome> {
    const id = randomUUID();
    const timeoutMs = this.o.timeoutSeconds * 1000;
    return new Promise((settle) => {
      const started = Date.now();
      const timer = setTimeout(() => {
        // Lambda ends the sandbox of a timed-out invocation; the next one starts cold.
        this.dead = true;
        this.fail(
          {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${id} Error: Task timed out after ${this.o.timeoutSeconds.toFixed(2)} seconds`,
          },
          true,
        );
        void this.worker.terminate();
      }, timeoutMs);
      this.current = {
        id,
        started,
        settle: (outcome) => {
          clearTimeout(timer);
          settle(outcome);
        },
      };
      const deadlineMs = started + timeoutMs;
      const message: ToContainer =
        typeof event === 'string'
          ? { type: 'invoke', id, deadlineMs, event, ...(clientContext !== undefined && { clientContext }) }
          : { type: 'invoke', id, deadlineMs, packed: packEvent(event, this.transfer) };
      this.worker.postMessage(message);
    });
  }

  /** Lets the module close what it opened (its producer), then ends the worker; terminates it if that hangs. */
  async shutdown(): Promise<void> {
    if (this.dead) return void (await this.worker.terminate());
    this.dead = true;
    const closed = new Promise<void>((resolve) => (this.closed = resolve));
    const message: ToContainer = { type: 'shutdown' };
    this.worker.postMessage(message);
    const grace = setTimeout(() => void this.worker.terminate(), SHUTDOWN_GRACE_MS);
    await closed;
    clearTimeout(grace);
    await this.worker.terminate();
  }
}

export class LocalFunction {
  private readonly idle: Container[] = [];
  private readonly all = new Set<Container>();
  private readonly waiting: (() => void)[] = [];
  /** The code of the current generation, bundled once and loaded by each of its containers. */
  private code: Promise<BundleResult>;
  private generation = 0;
  private stopped = false;
  private inFlight = 0;
  /** Containers being started (waiting for their code): they count against the concurrency. */
  private starting = 0;
  private drained: (() => void) | undefined;

  constructor(readonly o: LocalFunctionOptions) {
    environmentOf(o, { logStreamName: '', taskRoot: '' }); // a variable that cannot be passed through fails now
    this.code = this.bundle();
  }

  get name(): string {
    return this.o.name;
  }

  /**
   * Starts one container ahead of traffic; resolves with its init error, if the module does not load. It is
   * available at once: an invocation that comes while it initialises takes it and waits for its init, rather than
   * starting a second container beside it.
   */
  async warm(): Promise<FunctionError | undefined> {
    const container = await this.start();
    if (!(container instanceof Container)) return container;
    this.release(container);
    const error = await container.ready;
    if (error && this.idle.includes(container)) void this.retire(container); // else its invocation retires it
    return error;
  }

  /**
   * Invokes the function with an event (from the event source, or JSON text), as a synchronous invoke does;
   * `clientContext` is what an Invoke's caller sent as its ClientContext.
   */
  async invoke(event: EventPayload | string, clientContext?: unknown): Promise<InvokeOutcome> {
    this.inFlight++;
    try {
      const container = await this.acquire();
      const initError = container instanceof Container ? await container.ready : container;
      if (initError !== undefined || !(container instanceof Container)) {
        if (container instanceof Container) void this.retire(container);
        return { ok: false, error: initError!, timedOut: false, requestId: randomUUID(), durationMs: 0 };
      }
      try {
        return await container.invoke(event, clientContext);
      } finally {
        this.release(container);
      }
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  /** New code: containers running the old one retire (busy ones when their invocation ends). */
  reload(): void {
    this.generation++;
    this.code = this.bundle();
    for (const container of this.idle.splice(0)) this.retire(container);
  }

  /** Waits for the invocations in flight, then shuts every container down. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await Promise.all([...this.all].map((c) => this.retire(c)));
    await this.code; // let a build in progress finish its files
  }

  private bundle(): Promise<BundleResult> {
    return bundleFunction(this.o.entry, this.o.externalModules ?? []);
  }

  /** A new container on the current code, or the reason the code does not load. */
  private async start(): Promise<Container | FunctionError> {
    const generation = this.generation;
    const code = await this.code;
    if (!code.ok) return code.error;
    const container = new Container(this.o, generation, code.file);
    this.all.add(container);
    return container;
  }

  private async acquire(): Promise<Container | FunctionError> {
    for (;;) {
      const idle = this.idle.pop();
      if (idle) return idle;
      if (this.all.size + this.starting < Math.min(this.o.maxConcurrency ?? Infinity, LOCAL_CONCURRENCY)) {
        this.starting++;
        try {
          return await this.start();
        } finally {
          this.starting--;
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(container: Container): void {
    if (container.dead || container.generation !== this.generation || this.stopped)
      void this.retire(container);
    else this.idle.push(container);
    this.waiting.shift()?.();
  }

  private retire(container: Container): Promise<void> {
    this.all.delete(container);
    const index = this.idle.indexOf(container);
    if (index >= 0) this.idle.splice(index, 1);
    this.waiting.shift()?.();
    return container.shutdown();
  }
}

/** A handler's function, from its plan, with the environment infra gives it on AWS and local values. */
export function localFunctionFor(
  handler: HandlerPlan,
  o: {
    brokers: readonly string[];
    /** The application's topics (the plan's): a function over registry topics gets their schema ids. */
    topics: readonly TopicSettings[];
    region: string;
    output?: (chunk: string, stream: 'stdout' | 'stderr', handler: string) => void;
  } & LocalEnvironmentOptions,
): LocalFunction {
  const { deploy, name, entry } = handler;
  if (entry === undefined)
    throw new Error(`handler "${name}": its plan does not say which module is its Lambda`);
  const { output } = o;
  return new LocalFunction({
    name,
    entry,
    environment: deployedEnvironment(handler, o.brokers, o.topics, o.schemaLock),
    tables: handler.tables.map((table) => ({ name: table })),
    local: { dynamodbEndpoint: o.dynamodbEndpoint, passEnvironment: o.passEnvironment },
    timeoutSeconds: deploy.timeoutSeconds,
    memoryMb: deploy.memoryMb,
    externalModules: handler.externalModules,
    ...(deploy.reservedConcurrency !== undefined && { maxConcurrency: deploy.reservedConcurrency }),
    region: o.region,
    account: LOCAL_ACCOUNT,
    ...(output && { output: (chunk, stream) => output(chunk, stream, name) }),
  });
}
