/**
 * The tools a command works with: a deployed stack's with `--stack NAME`, else the local cluster's (KAFKA_BROKERS,
 * or the local cluster started on demand), where a replay invokes the handler in a local container.
 */
import type { AppPlan } from '../shared/declarations/app-plan';
import type { AnyTopic } from '../shared/declarations/topic';
import type { Emulator } from '../shared/emulator';
import type { LocalEnvironmentOptions } from '../shared/emulator/function-environment';
import { learnApp } from '../shared/emulator/learn-app';
import { localFunctionFor, type LocalFunction } from '../shared/emulator/local-function';
import { DirectTools, appOf, type ClusterTools, type FunctionInvoker } from '../shared/operations';
import { catalogTopics } from '../shared/emulator/catalog';
import { readSchemaLock, schemaLockPathOf } from '../shared/schemas/schema-lock';
import { appDir, cliKafkaConfig, passEnvFlag, resolveBrokers, resolveDynamoDb } from './context';
import { stackTools } from './stack';

/** The flags every command that uses the tools takes. */
export const TOOLS_FLAGS = {
  stack: { type: 'string' },
  app: { type: 'string' },
} as const;

/**
 * The tools on a cluster this process reaches, for an application's plan and the topic declarations at hand. A
 * replay invokes the handler's running function when `functions` has it (the emulator's), else a container started
 * for the replay, with the environment the emulator gives it.
 */
export function localTools(o: {
  plan: AppPlan;
  declaration: (topic: string) => AnyTopic | undefined;
  brokers: readonly string[];
  functions?: ReadonlyMap<string, FunctionInvoker>;
  clusterArn?: string;
  functionSettings?: LocalEnvironmentOptions & { region?: string };
  say?: (line: string) => void;
}): ClusterTools {
  const region = o.functionSettings?.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const started: LocalFunction[] = [];
  const tools = new DirectTools({
    app: appOf(o.plan, o.declaration),
    kafka: cliKafkaConfig(o.brokers, 'kafka-lambda-cli'),
    target: `cluster ${o.brokers.join(',')}`,
    invokerFor: (handler) => {
      const running = o.functions?.get(handler.name);
      if (running) return running;
      const plan = o.plan.handlers.find((h) => h.name === handler.name)!;
      const fn = localFunctionFor(plan, {
        brokers: o.brokers,
        topics: o.plan.topics,
        ...o.functionSettings,
        region,
      });
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
    plan: emulator.plan,
    declaration: (topic) => emulator.declaration(topic),
    brokers: emulator.brokers,
    functions: emulator.functions,
    clusterArn: emulator.clusterArn,
    functionSettings: emulator.functionSettings,
  });

export async function openTools(
  flags: { stack?: string | undefined; app?: string | undefined; 'pass-env'?: string | undefined },
  say: (line: string) => void,
): Promise<ClusterTools> {
  if (flags.stack !== undefined) return stackTools(flags.stack);
  // The declarations as the emulator learns them: no handler module runs in this process (a replay runs its
  // handler in a container of its own); the catalog is loaded here for codecs and schemas.
  const plan = await learnApp(appDir(flags.app));
  const topics = catalogTopics(appDir(flags.app));
  const passEnvironment = passEnvFlag(flags['pass-env'], say);
  const dynamodbEndpoint = plan.tables.length > 0 ? await resolveDynamoDb(say) : undefined;
  return localTools({
    plan,
    declaration: (topic) => topics.get(topic),
    brokers: await resolveBrokers(say),
    functionSettings: {
      dynamodbEndpoint,
      passEnvironment,
      schemaLock: readSchemaLock(schemaLockPathOf(appDir(flags.app))),
    },
    say,
  });
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
