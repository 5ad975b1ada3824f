/**
 * The schema lock: every version of every topic's schema that is or was in use, committed with the code (as
 * `buf breaking` compares against git). Synth and the emulator compare each declared schema with it under the
 * topic's compatibility mode and refuse a change that breaks records already written or readers still running;
 * `npm run deploy` appends the versions it registered, with the registry's id; the local registry serves every
 * version it holds. A fresh clone therefore knows the versions the example has shipped.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AnyTopic } from '../declarations/topic';
import type { Compatibility } from './compatibility-mode';
import { incompatibilities, type SchemaVersion } from './compatibility';
import { fingerprintOf, isSchemaFormat, type FormatSpec } from './format';
import { isRegistryCodec } from './registry-codec';
import { localSchemaId, type SchemaHistory, type SchemaRole } from './schema-ids';
import type { RegistryKind, SchemaId } from './wire-format';

/** Beside package.json; commit it with the declarations. */
export const SCHEMA_LOCK_FILE = 'schemas.lock.json';

export interface LockedVersion extends SchemaVersion {
  readonly fingerprint: string;
  /** Protobuf: the message's full name and its file as a base64 FileDescriptorSet, to decode without code. */
  readonly typeName?: string;
  readonly descriptor?: string;
  /** The ids registries gave this version when a deploy registered it. */
  readonly registered?: { readonly glue?: string; readonly confluent?: number };
}

export interface LockedSchema {
  readonly dataFormat: SchemaVersion['dataFormat'];
  readonly compatibility: Compatibility;
  /** Oldest first. */
  readonly versions: readonly LockedVersion[];
}

export interface SchemaLock {
  readonly version: 1;
  readonly topics: Readonly<Record<string, Partial<Record<SchemaRole, LockedSchema>>>>;
}

export const EMPTY_LOCK: SchemaLock = { version: 1, topics: {} };

/** One declared schema: a topic's value (or key) in a registry format, or a JSON value whose schema says enough. */
export interface DeclaredSchema {
  readonly topic: string;
  readonly role: SchemaRole;
  readonly compatibility: Compatibility;
  readonly version: LockedVersion;
  /** The registry format, absent for JSON. */
  readonly format?: FormatSpec;
}

function registryVersion(format: FormatSpec): LockedVersion {
  return {
    dataFormat: format.dataFormat,
    definition: format.definition,
    fingerprint: format.fingerprint,
    ...(format.protobuf && {
      shape: format.protobuf.shape,
      typeName: format.protobuf.typeName,
      descriptor: format.protobuf.descriptor,
    }),
  };
}

/**
 * The JSON Schema of a JSON topic's value, when its Standard Schema library can give one (Standard JSON Schema:
 * zod 4, arktype, valibot's converter). The input form: what a reader of that version accepts.
 */
function jsonSchemaOf(schema: unknown): string | undefined {
  const converter = (schema as { '~standard'?: { jsonSchema?: { input?: (o: object) => unknown } } })[
    '~standard'
  ]?.jsonSchema;
  if (typeof converter?.input !== 'function') return undefined;
  try {
    const json = converter.input({ target: 'draft-2020-12' }) as Record<string, unknown>;
    delete json.$schema;
    return JSON.stringify(json);
  } catch {
    return undefined; // a schema the converter cannot express (transforms, custom refinements)
  }
}

/** Every schema the topics declare, in topic order. */
export function declaredSchemas(topics: readonly AnyTopic[]): DeclaredSchema[] {
  const declared: DeclaredSchema[] = [];
  for (const topic of topics) {
    const { compatibility } = topic;
    if (isRegistryCodec(topic.codec))
      declared.push({
        topic: topic.name,
        role: 'value',
        compatibility,
        version: registryVersion(topic.codec.format),
        format: topic.codec.format,
      });
    else if (!isSchemaFormat(topic.schema)) {
      const definition = jsonSchemaOf(topic.schema);
      if (definition !== undefined)
        declared.push({
          topic: topic.name,
          role: 'value',
          compatibility,
          version: { dataFormat: 'JSON', definition, fingerprint: fingerprintOf(definition) },
        });
    }
    if (topic.keyCodec)
      declared.push({
        topic: topic.name,
        role: 'key',
        compatibility,
        version: registryVersion(topic.keyCodec.format),
        format: topic.keyCodec.format,
      });
  }
  return declared;
}

/** A declared schema the lock refuses, with every field and rule at fault. */
export class SchemaCompatibilityError extends Error {
  override name = 'SchemaCompatibilityError';
  constructor(readonly problems: readonly string[]) {
    super(
      `${problems.length} incompatible schema change(s); records already written or readers still running would ` +
        `break (${SCHEMA_LOCK_FILE} holds the versions in use):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/**
 * Throws SchemaCompatibilityError when a declared schema may not follow the versions the lock holds. A version the
 * lock already has (a rollback, or nothing changed) always passes.
 */
export function checkSchemas(declared: readonly DeclaredSchema[], lock: SchemaLock): void {
  const problems: string[] = [];
  for (const d of declared) {
    const locked = lock.topics[d.topic]?.[d.role];
    if (!locked || locked.versions.some((v) => v.fingerprint === d.version.fingerprint)) continue;
    for (const found of incompatibilities(d.compatibility, locked.versions, d.version))
      problems.push(
        `topic ${d.topic} ${d.role} (${d.compatibility}): field ${found.field}: ${found.message} [${found.rule}]`,
      );
  }
  if (problems.length > 0) throw new SchemaCompatibilityError(problems);
}

/** The lock with every declared version it lacks appended; `registered` gives ids a deploy got for them. */
export function withDeclared(
  lock: SchemaLock,
  declared: readonly DeclaredSchema[],
  registered: (d: DeclaredSchema) => LockedVersion['registered'] = () => undefined,
): SchemaLock {
  const topics: Record<string, Partial<Record<SchemaRole, LockedSchema>>> = structuredClone({
    ...lock.topics,
  });
  for (const d of declared) {
    const entry = (topics[d.topic] ??= {});
    const locked = entry[d.role];
    const ids = registered(d);
    const version: LockedVersion = { ...d.version, ...(ids && { registered: ids }) };
    const versions = locked?.versions ?? [];
    const index = versions.findIndex((v) => v.fingerprint === d.version.fingerprint);
    entry[d.role] = {
      dataFormat: d.version.dataFormat,
      compatibility: d.compatibility,
      versions:
        index === -1
          ? [...versions, version]
          : versions.map((v, i) =>
              i === index && ids ? { ...v, registered: { ...v.registered, ...ids } } : v,
            ),
    };
  }
  const sorted = Object.fromEntries(Object.entries(topics).sort(([a], [b]) => a.localeCompare(b)));
  return { version: 1, topics: sorted };
}

/** The application's lock: beside its folder (`functions/` -> `schemas.lock.json` at the project root). */
export function schemaLockPathOf(appDir: string): string {
  return join(dirname(resolve(appDir)), SCHEMA_LOCK_FILE);
}

export function readSchemaLock(path: string): SchemaLock {
  if (!existsSync(path)) return EMPTY_LOCK;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SchemaLock>;
  if (parsed.version !== 1 || typeof parsed.topics !== 'object' || parsed.topics === null)
    throw new Error(`${path}: expected { "version": 1, "topics": { ... } }`);
  return parsed as SchemaLock;
}

export function writeSchemaLock(path: string, lock: SchemaLock): void {
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
}

/**
 * The earlier registry versions a reader of these topics may meet, keyed by the ids they go by: their local id,
 * and the id a deploy registered them under (what SCHEMA_HISTORY_ENV carries).
 */
export function historyOf(lock: SchemaLock, kind: RegistryKind, topics?: readonly string[]): SchemaHistory {
  const history: SchemaHistory = {};
  for (const [topic, roles] of Object.entries(lock.topics)) {
    if (topics && !topics.includes(topic)) continue;
    for (const role of ['key', 'value'] as const) {
      const locked = roles[role];
      if (!locked || locked.dataFormat === 'JSON') continue;
      (history[topic] ??= {})[role] = locked.versions.map((v) => ({
        ids: [localSchemaId(kind, topic, role, v.fingerprint), ...registeredIds(v, kind)],
        definition: v.definition,
      }));
    }
  }
  return history;
}

function registeredIds(version: LockedVersion, kind: RegistryKind): SchemaId[] {
  const id = kind === 'glue' ? version.registered?.glue : version.registered?.confluent;
  return id === undefined ? [] : [id];
}
