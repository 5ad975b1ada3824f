import { DeclarationError } from '../errors';

/**
 * The environment of a handler's function: what infra/ sets on the deployed function and what the emulator
 * gives the handler locally come from this one place, so code that reads its configuration from the environment
 * behaves the same in both (DESIGN.md, contract 1).
 */

/** Variables the framework sets itself. */
export const FRAMEWORK_ENVIRONMENT = ['KAFKA_AUTH', 'KAFKA_BROKERS', 'NODE_OPTIONS'] as const;

/**
 * Variables the Lambda runtime reserves (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html):
 * a function cannot set them, and the emulator sets them as Lambda does.
 */
const LAMBDA_RESERVED = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
]);

const NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/;
/** Lambda's limit on the variables of one function, names and values together. */
const MAX_ENVIRONMENT_BYTES = 4096;

/** Checks a declaration's `deploy.environment` the way Lambda would at deploy, so it fails at load instead. */
export function checkEnvironment(what: string, environment: Readonly<Record<string, string>>): void {
  let bytes = 0;
  for (const [name, value] of Object.entries(environment)) {
    const field = `deploy.environment.${name}`;
    if (!NAME.test(name))
      throw new DeclarationError(what, `${field}: a name is a letter, then letters, digits or "_"`);
    if (LAMBDA_RESERVED.has(name))
      throw new DeclarationError(what, `${field}: Lambda reserves this variable`);
    if ((FRAMEWORK_ENVIRONMENT as readonly string[]).includes(name))
      throw new DeclarationError(what, `${field}: the framework sets this variable itself`);
    if (typeof value !== 'string')
      throw new DeclarationError(what, `${field}: the value must be a string, got ${typeof value}`);
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (bytes > MAX_ENVIRONMENT_BYTES)
    throw new DeclarationError(
      what,
      `deploy.environment: ${bytes} bytes, Lambda allows ${MAX_ENVIRONMENT_BYTES}`,
    );
}

/** Where the function runs: how it reaches Kafka there. */
export interface FunctionPlacement {
  /** `iam` on MSK (IAM auth over TLS); `none` for a local broker. */
  kafkaAuth: 'iam' | 'none';
  /** Bootstrap brokers, when known; on Lambda the event's bootstrapServers is the fallback. */
  kafkaBrokers?: string;
}

/** The variables a handler's function gets: its declared ones, then the framework's. */
export function functionEnvironment(
  deploy: { readonly environment: Readonly<Record<string, string>> },
  placement: FunctionPlacement,
): Record<string, string> {
  return {
    ...deploy.environment,
    KAFKA_AUTH: placement.kafkaAuth,
    NODE_OPTIONS: '--enable-source-maps',
    ...(placement.kafkaBrokers !== undefined && { KAFKA_BROKERS: placement.kafkaBrokers }),
  };
}
