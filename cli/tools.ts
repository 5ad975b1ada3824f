/**
 * The tools a command works with: a deployed stack's with `--stack NAME`, else the local cluster's (KAFKA_BROKERS,
 * or the local cluster started on demand), where a replay invokes the handler in a local container.
 */
import { localFunctionFor, type LocalFunction } from '../shared/emulator/local-function';
import type { AppManifest } from '../shared/declarations/app';
import type { Emulator } from '../shared/emulator';
import { DirectTools, operationsAppOf, type ClusterTools, type FunctionInvoker } from '../shared/operations';
import { appManifest, cliKafkaConfig, resolveBrokers } from './context';
import { stackTools } from './stack';

/** The flags every command that uses the tools takes. */
export const TOOLS_FLAGS = {
  stack: { type: 'string' },
  app: { type: 'string' },
} as const;

/**
 * The tools on a cluster this process reaches, for a loaded application. A replay invokes the handler's running
 * function when `functions` has it (the emulator's), else a container started for the replay.
 */
export function localTools(o: {
  manifest: AppManifest;
  brokers: readonly string[];
  functions?: ReadonlyMap<string, FunctionInvoker>;
  clusterArn?: string;
  say?: (line: string) => void;
}): ClusterTools {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const started: LocalFunction[] = [];
  const tools = new DirectTools({
    app: operationsAppOf(o.manifest),
    kafka: cliKafkaConfig(o.brokers, 'kafka-lambda-cli'),
    target: `cluster ${o.brokers.join(',')}`,
    invokerFor: (handler) => {
      const running = o.functions?.get(handler.name);
      if (running) return running;
      const module = o.manifest.handlers.find((h) => h.definition.name === handler.name)!;
      const fn = localFunctionFor(module, { brokers: o.brokers, region });
      started.push(fn);
      return fn;
    },
    ...(o.clusterArn && { clusterArn: o.clusterArn }),
    ...(o.say && { say: o.say }),
  });
  return {
    target: tools.target,
    call: (request) => tools.call(request),
    async close() {
      await Promise.all(started.splice(0).map((fn) => fn.stop()));
      await tools.close();
    },
  };
}

/** The tools on a running emulator's cluster: a replay invokes its functions, events carry its cluster's ARN. */
export const emulatorTools = (emulator: Emulator): ClusterTools =>
  localTools({
    manifest: emulator.manifest,
    brokers: emulator.brokers,
    functions: emulator.functions,
    clusterArn: emulator.clusterArn,
  });

export async function openTools(
  flags: { stack?: string | undefined; app?: string | undefined },
  say: (line: string) => void,
): Promise<ClusterTools> {
  if (flags.stack !== undefined) return stackTools(flags.stack);
  return localTools({ manifest: appManifest(flags.app), brokers: await resolveBrokers(say), say });
}

/** Runs `body` with the tools, closing them however it ends. */
export async function withTools<T>(
  flags: { stack?: string | undefined; app?: string | undefined },
  say: (line: string) => void,
  body: (tools: ClusterTools) => Promise<T>,
): Promise<T> {
  const tools = await openTools(flags, say);
  try {
    return await body(tools);
  } finally {
    await tools.close();
  }
}
