/**
 * Which schema id a record is written with, and which schema an id stands for, without asking a registry on the
 * hot path. A deployed function learns the ids its deploy registered from `KAFKA_LAMBDA_SCHEMA_IDS` (infra sets it
 * from the Glue schema versions it created); everywhere else a version's id is derived from the topic and the
 * definition's fingerprint (`localSchemaId`), so it is the same on every machine and after every restart, and the
 * local registry (shared/emulator/local-registry.ts) hands out exactly these ids.
 */
import { createHash } from 'node:crypto';
import type { FormatSpec } from './format';
import type { RegistryKind, SchemaId } from './wire-format';

export type SchemaRole = 'key' | 'value';

/** `{ [topic]: { value?: id, key?: id } }`: the ids a deploy registered, as infra passes them to a function. */
export const SCHEMA_IDS_ENV = 'KAFKA_LAMBDA_SCHEMA_IDS';
/** `{ [topic]: { value?: [{ ids, definition }], key?: [...] } }`: earlier versions a reader may meet. */
export const SCHEMA_HISTORY_ENV = 'KAFKA_LAMBDA_SCHEMA_HISTORY';
/** `glue` (default) or `confluent`: whose wire format records are written in. */
export const SCHEMA_REGISTRY_ENV = 'KAFKA_LAMBDA_SCHEMA_REGISTRY';

export type SchemaIdMap = Record<string, Partial<Record<SchemaRole, SchemaId>>>;
export type SchemaHistory = Record<
  string,
  Partial<Record<SchemaRole, { ids: SchemaId[]; definition: string }[]>>
>;

/** What the environment says about schemas, read once: it does not change in a function's life. */
interface SchemaEnvironment {
  readonly kind: RegistryKind;
  readonly ids: SchemaIdMap | undefined;
  readonly history: SchemaHistory | undefined;
}

let environment: SchemaEnvironment | undefined;

/**
 * Reads the variables again: a process that changes them after a record was encoded or decoded calls this (the
 * tests, a tool that switches registries). Reading process.env costs more than decoding an Avro record, so the
 * hot path reads the snapshot.
 */
export function refreshSchemaEnvironment(): void {
  environment = undefined;
}

function schemaEnvironment(): SchemaEnvironment {
  if (environment) return environment;
  const kind = process.env[SCHEMA_REGISTRY_ENV];
  if (kind !== undefined && kind !== '' && kind !== 'glue' && kind !== 'confluent')
    throw new Error(`${SCHEMA_REGISTRY_ENV}=${kind}: expected glue or confluent`);
  environment = {
    kind: kind === 'confluent' ? 'confluent' : 'glue',
    ids: parsedEnv<SchemaIdMap>(SCHEMA_IDS_ENV),
    history: parsedEnv<SchemaHistory>(SCHEMA_HISTORY_ENV),
  };
  return environment;
}

export function registryKind(): RegistryKind {
  return schemaEnvironment().kind;
}

/**
 * The id a version gets outside AWS: a UUID (Glue) or a positive 31-bit integer (Confluent) taken from a hash of
 * the topic, the role and the definition, so it never changes while the definition does not.
 */
export function localSchemaId(
  kind: RegistryKind,
  topic: string,
  role: SchemaRole,
  fingerprint: string,
): SchemaId {
  const key = `${kind}\n${topic}\n${role}\n${fingerprint}`;
  let id = localIds.get(key);
  if (id === undefined) {
    id = deriveId(kind, topic, role, fingerprint);
    if (localIds.size < 10_000) localIds.set(key, id); // bounded: a topic family's members are open-ended
  }
  return id;
}

const localIds = new Map<string, SchemaId>();

function deriveId(kind: RegistryKind, topic: string, role: SchemaRole, fingerprint: string): SchemaId {
  const hash = createHash('sha256').update(`${topic}\n${role}\n${fingerprint}`).digest();
  if (kind === 'confluent') return (hash.readUInt32BE(0) % 0x7ffffffe) + 1;
  hash[6] = (hash[6]! & 0x0f) | 0x40; // the version and variant bits of a random (v4) UUID
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An environment variable's JSON. */
function parsedEnv<T>(name: string): T | undefined {
  const text = process.env[name];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${name} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** The id records of this version are written with. */
export function currentSchemaId(
  kind: RegistryKind,
  topic: string,
  role: SchemaRole,
  format: FormatSpec,
): SchemaId {
  return schemaEnvironment().ids?.[topic]?.[role] ?? localSchemaId(kind, topic, role, format.fingerprint);
}

/**
 * The definition a record's id stands for, as far as this reader knows: its own version (under its deployed or
 * local id), or an earlier version listed in the history. Undefined: an id this reader cannot decode.
 */
export function writerDefinition(
  kind: RegistryKind,
  topic: string,
  role: SchemaRole,
  format: FormatSpec,
  id: SchemaId,
): string | undefined {
  if (
    id === currentSchemaId(kind, topic, role, format) ||
    id === localSchemaId(kind, topic, role, format.fingerprint)
  )
    return format.definition;
  const versions = schemaEnvironment().history?.[topic]?.[role] ?? [];
  return versions.find((v) => v.ids.includes(id))?.definition;
}
