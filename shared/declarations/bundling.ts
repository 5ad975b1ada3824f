import type { HandlerSpec } from './handler';

/**
 * How a handler's code is bundled, declared once: infra deploys with these esbuild settings and the emulator runs
 * the same bundle locally (shared/emulator/function-bundle.ts), so bundling problems show up before a deploy.
 */
export const FUNCTION_BUNDLE = {
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  /** The esbuild target of the functions' runtime (nodejs22.x). */
  target: 'node22',
  format: 'cjs',
  /**
   * Declarations in a bundle were checked by synth or the emulator before it was built: defineHandler and
   * defineTopic skip their checks there, and the checks and their messages drop out of the bundle.
   */
  define: { 'process.env.KAFKA_LAMBDA_DECLARATIONS': '"checked"' },
  /** Avro schema files (`import schema from './alerts.avsc'`) are JSON. */
  loader: { '.avsc': 'json' },
} as const;

/** Packages the framework loads only on first publish; a handler that never publishes ships without them. */
export const KAFKA_CLIENT_MODULES = ['kafkajs', 'aws-msk-iam-sasl-signer-js'] as const;

/**
 * The framework's own modules the adapter requires on first use, as it writes them (shared/lambda/adapter.ts):
 * left out with the client they wrap, so a bundle carries no code its handler never runs. esbuild matches an
 * external by the text of the import, from any importer: each names its folder, so no application module
 * (`./tables`) is taken for one.
 */
const LAZY_WRITES = ['../kafka/sink', '../lambda/adapter-writes'];
const LAZY_TABLES = ['../lambda/adapter-tables'];

/** Whether a handler's bundle needs the Kafka client: it publishes, or writes dead letters. */
export function carriesKafkaClient(spec: Pick<HandlerSpec, 'publishes' | 'deadLetter'>): boolean {
  return spec.publishes.length > 0 || spec.deadLetter !== false;
}

/** The DynamoDB client: loaded by the table clients only, so a handler without tables ships without it. */
export const TABLE_CLIENT_MODULES = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'] as const;

/**
 * What stays out of a handler's bundle: the clients it never loads. Everything else is bundled, the AWS SDK
 * included: the IAM signer needs a recent SDK, and a bundle built from package-lock.json is the same on every
 * deploy whatever SDK the Lambda runtime happens to ship.
 */
export function externalModules(spec: Pick<HandlerSpec, 'publishes' | 'deadLetter' | 'tables'>): string[] {
  return [
    ...(carriesKafkaClient(spec) ? [] : [...KAFKA_CLIENT_MODULES, ...LAZY_WRITES]),
    ...(spec.tables.length > 0 ? [] : [...TABLE_CLIENT_MODULES, ...LAZY_TABLES]),
  ];
}
