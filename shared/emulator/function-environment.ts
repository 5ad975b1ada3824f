/**
 * A function's environment, locally: exactly the variables the deployed function has, with local values, and
 * nothing else from the shell that runs the emulator. Code that works locally because of a developer's shell would
 * fail on Lambda, so a variable reaches a handler only when infra sets it on the function, when Lambda's runtime
 * sets it, when the emulator needs it to stand in for AWS (credentials, the local DynamoDB), or when the developer
 * passes it through by name on purpose (a local-only convenience: `dev --pass-env NAME,...`).
 */
import type { HandlerPlan, TopicSettings } from '../declarations/app-plan';
import { functionEnvironment } from '../declarations/environment';
import {
  localSchemaId,
  registryKind,
  SCHEMA_HISTORY_ENV,
  SCHEMA_IDS_ENV,
  SCHEMA_REGISTRY_ENV,
} from '../schemas/schema-ids';
import { historyOf, type SchemaLock } from '../schemas/schema-lock';
import { tableNameVariable } from '../state/dynamodb';

/**
 * The time zone of every Lambda execution environment. Node keeps one time zone per process (a worker thread's
 * own TZ changes nothing: its environment is a copy, and V8 reads the process's), so the emulator's process runs in
 * it too (useLambdaTimeZone).
 */
export const LAMBDA_TIME_ZONE = ':UTC';

/** Puts this process (and so every container in it) in Lambda's time zone; Node applies a TZ change at once. */
export function useLambdaTimeZone(): void {
  if (process.env.TZ !== LAMBDA_TIME_ZONE) process.env.TZ = LAMBDA_TIME_ZONE;
}

/** What the runtime's variables say about one execution environment. */
export interface RuntimeIdentity {
  name: string;
  memoryMb: number;
  region: string;
  /** The container's log stream (one per execution environment). */
  logStreamName: string;
  /** Where the function's code is: the folder of its bundle. */
  taskRoot: string;
}

/**
 * The variables Lambda's runtime sets in an execution environment ("Defined runtime environment variables" in the
 * Lambda developer guide), each that has a meaningful local value. Left out: `_X_AMZN_TRACE_ID` (per invocation,
 * with active tracing), `AWS_LAMBDA_RUNTIME_API` and `LAMBDA_RUNTIME_DIR` (there is no runtime API or runtime
 * folder locally), `LD_LIBRARY_PATH` and `NODE_PATH` (they point into Lambda's image and layers). `PATH` keeps this
 * machine's value, so a handler can still start a program.
 */
export function runtimeEnvironment(fn: RuntimeIdentity): Record<string, string> {
  return {
    _HANDLER: 'index.handler', // the CDK's NodejsFunction bundles to index.js and exports `handler`
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: fn.logStreamName,
    LAMBDA_TASK_ROOT: fn.taskRoot,
    TZ: LAMBDA_TIME_ZONE,
    LANG: 'en_US.UTF-8',
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  };
}

/**
 * Credentials in the place of the execution role's (Lambda sets them from the role): static ones, so the AWS SDK
 * in a handler never falls back to the developer's own profile or instance credentials. The local DynamoDB checks
 * no signature.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

const CREDENTIAL_VARIABLES = {
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_ACCESS_KEY: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: 'local',
} as const;

/** The emulator's stand-ins for AWS: credentials always, the local DynamoDB for a function that declares tables. */
export function localSubstitutes(o: {
  tables: readonly { name: string }[];
  dynamodbEndpoint?: string | undefined;
}): Record<string, string> {
  return {
    ...CREDENTIAL_VARIABLES,
    ...(o.tables.length > 0 && o.dynamodbEndpoint !== undefined && { DYNAMODB_ENDPOINT: o.dynamodbEndpoint }),
  };
}

/**
 * What infra sets on the function beside its declared environment, with local values: each declared table's name
 * (infra/tables.ts sets the physical name under the same variable; locally a table has its declared name).
 */
function tableEnvironment(tables: readonly string[]): Record<string, string> {
  return Object.fromEntries(tables.map((name) => [tableNameVariable({ name }), name]));
}

/**
 * What infra/schema-registry.ts sets on a function over topics in a registry format, with local values: the local
 * registry's kind and the ids it hands out (infra's are the ones its deploy registered). The earlier versions a
 * reader may meet (KAFKA_LAMBDA_SCHEMA_HISTORY) are not given locally yet.
 */
function schemaEnvironment(
  handler: Pick<HandlerPlan, 'readTopics' | 'writeTopics'>,
  topics: readonly TopicSettings[],
  lock: SchemaLock | undefined,
): Record<string, string> {
  const touched = new Set([...handler.readTopics, ...handler.writeTopics]);
  const registered = topics.filter((t) => touched.has(t.name) && t.registry);
  if (registered.length === 0) return {};
  const kind = registryKind();
  const ids = Object.fromEntries(
    registered.map(({ name, registry }) => [
      name,
      {
        ...(registry!.value && { value: localSchemaId(kind, name, 'value', registry!.value.fingerprint) }),
        ...(registry!.key && { key: localSchemaId(kind, name, 'key', registry!.key.fingerprint) }),
      },
    ]),
  );
  // Earlier versions of what it reads, from the schema lock, as infra passes them (recordFormat 'SOURCE').
  const history = lock ? historyOf(lock, kind, handler.readTopics) : {};
  return {
    [SCHEMA_REGISTRY_ENV]: kind,
    [SCHEMA_IDS_ENV]: JSON.stringify(ids),
    ...(Object.keys(history).length > 0 && { [SCHEMA_HISTORY_ENV]: JSON.stringify(history) }),
  };
}

/**
 * Everything infra sets on the deployed function, with local values: the declared variables and the framework's
 * (functionEnvironment, as infra/handler-function.ts), its tables' names (as infra/tables.ts) and, over registry
 * topics, the registry's kind, schema ids and the earlier versions the schema lock holds (as
 * infra/schema-registry.ts).
 */
export function deployedEnvironment(
  handler: Pick<HandlerPlan, 'deploy' | 'tables' | 'readTopics' | 'writeTopics'>,
  brokers: readonly string[],
  topics: readonly TopicSettings[],
  schemaLock?: SchemaLock,
): Record<string, string> {
  return {
    ...functionEnvironment(handler.deploy, { kafkaAuth: 'none', kafkaBrokers: brokers.join(',') }),
    ...tableEnvironment(handler.tables),
    ...schemaEnvironment(handler, topics, schemaLock),
  };
}

/** Variables the emulator stands in for: passing one through replaces the stand-in (e.g. real credentials). */
const REPLACEABLE = new Set<string>([...Object.keys(CREDENTIAL_VARIABLES), 'DYNAMODB_ENDPOINT']);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The named variables taken from this process's environment, for a function whose own environment is `own`. A
 * name the function's declaration, infra or Lambda's runtime sets is refused: passing it would make the local
 * function differ from the deployed one. A name that is not set here is left out.
 */
export function passedThrough(
  names: readonly string[],
  own: Readonly<Record<string, string>>,
  source: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const name of names) {
    if (!NAME.test(name))
      throw new Error(`pass-through variable "${name}": not a variable name (letters, digits and "_")`);
    if (name in own && !REPLACEABLE.has(name))
      throw new Error(
        `pass-through variable ${name}: the deployed function sets it itself (declaration, infra or Lambda's runtime), so it cannot be passed through`,
      );
    const value = source[name];
    if (value !== undefined) passed[name] = value;
  }
  return passed;
}

/** The local settings every function of one emulator shares. */
export interface LocalEnvironmentOptions {
  /** The local DynamoDB, for functions that declare tables. */
  dynamodbEndpoint?: string | undefined;
  /** Variables passed through from this process by name (local only). */
  passEnvironment?: readonly string[] | undefined;
  /** The schema lock: earlier schema versions a function over registry topics may read. */
  schemaLock?: SchemaLock | undefined;
}

/**
 * A container's whole environment: infra's variables (deployedEnvironment), the emulator's stand-ins, Lambda's
 * runtime variables, then what is passed through by name.
 */
export function containerEnvironment(o: {
  infra: Readonly<Record<string, string>>;
  tables: readonly { name: string }[];
  runtime: RuntimeIdentity;
  local: LocalEnvironmentOptions;
}): Record<string, string> {
  const own = {
    ...o.infra,
    ...localSubstitutes({ tables: o.tables, dynamodbEndpoint: o.local.dynamodbEndpoint }),
    ...runtimeEnvironment(o.runtime),
  };
  return { ...own, ...passedThrough(o.local.passEnvironment ?? [], own) };
}
