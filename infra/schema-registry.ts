/**
 * The schema registry of the topics in a registry format (Avro, Protobuf). With AWS Glue Schema Registry (the
 * default): one registry, one AWS::Glue::Schema per topic value (and key) with its compatibility mode, created
 * with the first version the schema lock holds, and one AWS::Glue::SchemaVersion per later version, each after
 * the one before, so a deploy registers exactly the versions the lock and the declarations name, in order. The
 * version ids come back as attributes (InitialSchemaVersionId, VersionId): the functions get the ids of their
 * topics in KAFKA_LAMBDA_SCHEMA_IDS (no registry call when they write), the stack output `SchemaVersionIds` lists
 * them all, and `npm run deploy` records them in the lock.
 *
 * A self-managed Confluent-compatible registry is the declared alternative (`-c schemaRegistry=confluent`): no
 * resources; the mappings get its URL and the Secrets Manager secret Lambda authenticates with, and the functions
 * the ids the lock records for each version (`registered.confluent`).
 */
import { CfnOutput, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnRegistry, CfnSchema, CfnSchemaVersion } from 'aws-cdk-lib/aws-glue';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { MappingSettings } from '../shared/declarations/mapping-settings';
import {
  declaredSchemas,
  historyOf,
  readSchemaLock,
  withDeclared,
  writeSchemaLock,
  type DeclaredSchema,
  type SchemaLock,
} from '../shared/schemas/schema-lock';
import type { AnyTopic } from '../shared/declarations/topic';
import {
  SCHEMA_HISTORY_ENV,
  SCHEMA_IDS_ENV,
  SCHEMA_REGISTRY_ENV,
  type SchemaIdMap,
} from '../shared/schemas/schema-ids';
import { digestOf } from './digest';
import type { KafkaFunction } from './handler-function';

/** Of Lambda's 4 KB of environment variables, what the earlier schema versions of a function's topics may take. */
const HISTORY_BUDGET_BYTES = 2048;

/** The output `npm run deploy` reads back: `{ [topic]: { value?: id, key?: id } }` as JSON. */
export const SCHEMA_VERSION_IDS_OUTPUT = 'SchemaVersionIds';

export type SchemaRegistryOptions =
  | { readonly kind: 'glue'; readonly registryName?: string }
  | {
      readonly kind: 'confluent';
      /** The registry's URL, as the mapping's SchemaRegistryURI. */
      readonly url: string;
      /** The Secrets Manager secret Lambda authenticates with. */
      readonly secretArn: string;
      /** @default 'BASIC_AUTH' */
      readonly authentication?: 'BASIC_AUTH' | 'CLIENT_CERTIFICATE_TLS_AUTH' | 'SERVER_ROOT_CA_CERTIFICATE';
    };

export interface KafkaSchemaRegistryProps {
  /** The registry and its schemas hold what the topics' records mean: RETAIN unless the stack is a throwaway. */
  readonly removalPolicy: RemovalPolicy;
  /** The declared schemas in a registry format (JSON topics are checked by the lock but not registered). */
  readonly schemas: readonly DeclaredSchema[];
  readonly lock: SchemaLock;
  readonly options: SchemaRegistryOptions;
}

const schemaName = (d: Pick<DeclaredSchema, 'topic' | 'role'>): string =>
  d.role === 'value' ? d.topic : `${d.topic}-key`;

export class KafkaSchemaRegistry extends Construct {
  /** The mapping's SchemaRegistryURI: the registry's ARN (Glue) or URL (Confluent). */
  readonly uri: string;
  readonly registry?: CfnRegistry;
  private readonly registryName?: string;
  /** The id each declared schema's current version goes by, per topic and role (tokens on Glue). */
  readonly ids: SchemaIdMap = {};
  private readonly options: SchemaRegistryOptions;
  private readonly lock: SchemaLock;
  private readonly removalPolicy: RemovalPolicy;
  /** The schemas (Glue names) of each topic in a registry format. */
  private readonly schemasOf = new Map<string, string[]>();

  constructor(scope: Construct, id: string, props: KafkaSchemaRegistryProps) {
    super(scope, id);
    this.options = props.options;
    this.lock = props.lock;
    this.removalPolicy = props.removalPolicy;
    for (const d of props.schemas)
      this.schemasOf.set(d.topic, [...(this.schemasOf.get(d.topic) ?? []), schemaName(d)]);
    if (props.options.kind === 'confluent') {
      this.uri = props.options.url;
      for (const d of props.schemas) {
        const version = props.lock.topics[d.topic]?.[d.role]?.versions.find(
          (v) => v.fingerprint === d.version.fingerprint,
        );
        const registered = version?.registered?.confluent;
        if (registered !== undefined) (this.ids[d.topic] ??= {})[d.role] = registered;
      }
      return;
    }
    const stack = Stack.of(this);
    this.registryName = props.options.registryName ?? `${stack.stackName}-schemas`;
    this.registry = new CfnRegistry(this, 'Registry', {
      name: this.registryName,
      description: `Schemas of the Kafka topics of ${stack.stackName}`,
    });
    this.registry.applyRemovalPolicy(props.removalPolicy);
    this.uri = this.registry.attrArn;
    for (const d of props.schemas) (this.ids[d.topic] ??= {})[d.role] = this.schema(d, props.lock);
    new CfnOutput(stack, SCHEMA_VERSION_IDS_OUTPUT, {
      description: 'Glue schema version id of each topic schema, as deployed (JSON)',
      value: stack.toJsonString(this.ids),
    });
  }

  /** The Glue schema of one topic value or key and its versions in order; returns the declared version's id. */
  private schema(d: DeclaredSchema, lock: SchemaLock): string {
    const locked = lock.topics[d.topic]?.[d.role]?.versions ?? [];
    const definitions = locked.map((v) => v.definition);
    if (!locked.some((v) => v.fingerprint === d.version.fingerprint)) definitions.push(d.version.definition);
    const [first, ...later] = definitions;
    const name = schemaName(d);
    const schema = new CfnSchema(this, `Schema-${name}`, {
      name,
      registry: { arn: this.registry!.attrArn },
      dataFormat: d.version.dataFormat,
      compatibility: d.compatibility,
      schemaDefinition: first!,
      description: `${d.role} of topic ${d.topic}`,
    });
    schema.applyRemovalPolicy(this.removalPolicy);
    let current = definitions.indexOf(d.version.definition) === 0 ? schema.attrInitialSchemaVersionId : '';
    let previous: Construct = schema;
    for (const definition of later) {
      const version = new CfnSchemaVersion(this, `Version-${name}-${digestOf(this, definition)}`, {
        schema: { schemaArn: schema.attrArn },
        schemaDefinition: definition,
      });
      version.node.addDependency(previous); // registered in the lock's order, each checked against the one before
      previous = version;
      if (definition === d.version.definition) current = version.attrVersionId;
    }
    return current;
  }

  /** The mapping's SchemaRegistryConfig for its settings. */
  configFor(
    settings: NonNullable<MappingSettings['schemaRegistry']>,
  ): CfnEventSourceMapping.SchemaRegistryConfigProperty {
    return {
      schemaRegistryUri: this.uri,
      eventRecordFormat: settings.eventRecordFormat,
      schemaValidationConfigs: settings.schemaValidationConfigs.map((c) => ({ attribute: c.attribute })),
      ...(this.options.kind === 'confluent' && {
        accessConfigs: [{ type: this.options.authentication ?? 'BASIC_AUTH', uri: this.options.secretArn }],
      }),
    };
  }

  /**
   * What a function over these topics needs: the ids to write with, the wire format, and the right to read the
   * registry for its mappings (Lambda reads schemas with the function's execution role).
   */
  grant(fn: KafkaFunction, reads: readonly string[], writes: readonly string[]): void {
    const idsOf = (topics: readonly string[]): SchemaIdMap =>
      Object.fromEntries(topics.filter((t) => this.ids[t]).map((t) => [t, this.ids[t]!]));
    const ids = idsOf([...new Set([...reads, ...writes])]);
    if (![...reads, ...writes].some((topic) => this.schemasOf.has(topic))) return;
    if (Object.keys(ids).length > 0) fn.fn.addEnvironment(SCHEMA_IDS_ENV, Stack.of(this).toJsonString(ids));
    fn.fn.addEnvironment(SCHEMA_REGISTRY_ENV, this.options.kind);
    // Earlier versions of what it reads, for `recordFormat: 'SOURCE'` (the adapter resolves an old Avro record
    // against the declared version): within Lambda's 4 KB of environment, or refused with what to do instead.
    const history = historyOf(this.lock, this.options.kind, reads);
    if (Object.keys(history).length > 0) {
      const text = JSON.stringify(history);
      if (Buffer.byteLength(text) > HISTORY_BUDGET_BYTES)
        throw new Error(
          `handler function ${fn.node.id}: the ${Buffer.byteLength(text)} bytes of earlier schema versions of ${reads.join(', ')} ` +
            `exceed the ${HISTORY_BUDGET_BYTES} bytes of environment set aside for them; read these topics with recordFormat 'JSON' (the mapping decodes old versions)`,
        );
      fn.fn.addEnvironment(SCHEMA_HISTORY_ENV, text);
    }
    if (this.options.kind === 'confluent') {
      if (!reads.some((topic) => this.schemasOf.has(topic))) return;
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.options.secretArn],
        }),
      );
      return;
    }
    const registryArn = this.registry!.attrArn;
    const schemas = reads.flatMap((topic) => this.schemasOf.get(topic) ?? []);
    if (schemas.length === 0) return;
    // Scoped to the function's own schemas: GetSchemaVersion is authorized on the registry and the schema.
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['glue:GetRegistry'], resources: [registryArn] }),
      new PolicyStatement({
        actions: ['glue:GetSchemaVersion'],
        resources: [
          registryArn,
          ...schemas.map((name) =>
            Fn.sub(
              `arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:schema/${this.registryName}/${name}`,
            ),
          ),
        ],
      }),
    );
  }
}

/**
 * The registry from CDK context: `-c schemaRegistry=confluent -c schemaRegistryUrl=https://... -c
 * schemaRegistrySecretArn=arn:...` (and `schemaRegistryAuth`), else Glue (`-c schemaRegistryName=` names it).
 */
export function schemaRegistryFromContext(get: (key: string) => unknown): SchemaRegistryOptions {
  const kind = get('schemaRegistry') ?? 'glue';
  if (kind === 'glue') {
    const name = get('schemaRegistryName');
    return { kind: 'glue', ...(typeof name === 'string' && { registryName: name }) };
  }
  if (kind !== 'confluent') throw new Error(`-c schemaRegistry=${String(kind)}: expected glue or confluent`);
  const url = get('schemaRegistryUrl');
  const secretArn = get('schemaRegistrySecretArn');
  if (typeof url !== 'string' || typeof secretArn !== 'string')
    throw new Error(
      '-c schemaRegistry=confluent needs -c schemaRegistryUrl=... and -c schemaRegistrySecretArn=...',
    );
  const auth = get('schemaRegistryAuth');
  return {
    kind: 'confluent',
    url,
    secretArn,
    ...(auth === 'BASIC_AUTH' ||
    auth === 'CLIENT_CERTIFICATE_TLS_AUTH' ||
    auth === 'SERVER_ROOT_CA_CERTIFICATE'
      ? { authentication: auth }
      : {}),
  };
}

/**
 * After a deploy: every declared schema version appended to the lock, with the Glue version id the stack output
 * `SchemaVersionIds` gives for it. Returns how many declared schemas the lock now records.
 */
export function recordDeployedSchemas(
  lockPath: string,
  topics: readonly AnyTopic[],
  output?: string,
): number {
  const ids = (output ? JSON.parse(output) : {}) as SchemaIdMap;
  const declared = declaredSchemas(topics);
  const lock = withDeclared(readSchemaLock(lockPath), declared, (d) => {
    const id = ids[d.topic]?.[d.role];
    return typeof id === 'string' ? { glue: id } : undefined;
  });
  writeSchemaLock(lockPath, lock);
  return declared.length;
}
