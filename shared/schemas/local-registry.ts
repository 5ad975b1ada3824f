/**
 * The schema registry the emulator's mappings read: every version of every registry topic's key and value that
 * the declarations and the schema lock name, each under its local id (schema-ids.ts: derived from the topic and
 * the definition), so the ids are the same after every restart and on every machine, and a producer anywhere
 * (the test kit, `publish`, a handler in its container) writes ids this registry knows without asking it.
 */
import type { AnyTopic } from '../declarations/topic';
import { isRegistryCodec, type RegistryCodec } from './registry-codec';
import { localSchemaId, registryKind, type SchemaRole } from './schema-ids';
import type { SchemaLock } from './schema-lock';
import type { RegistryLookup } from './registry-delivery';
import { versionOf, type RegistryVersion } from './version-format';
import type { RegistryKind, SchemaId } from './wire-format';

export class LocalSchemaRegistry implements RegistryLookup {
  private readonly versions = new Map<string, RegistryVersion>();

  constructor(
    readonly kind: RegistryKind,
    entries: readonly { topic: string; role: SchemaRole; versions: readonly RegistryVersion[] }[],
  ) {
    for (const { topic, role, versions } of entries)
      for (const version of versions)
        this.versions.set(
          entryKey(topic, role, localSchemaId(kind, topic, role, version.fingerprint)),
          version,
        );
  }

  version(topic: string, role: SchemaRole, id: SchemaId): RegistryVersion | undefined {
    return this.versions.get(entryKey(topic, role, id));
  }

  /** How many versions it holds. */
  get size(): number {
    return this.versions.size;
  }
}

const entryKey = (topic: string, role: SchemaRole, id: SchemaId): string =>
  `${topic}\n${role}\n${String(id)}`;

/** The registry filled from the declared topics and every version the lock holds for them. */
export function localRegistryOf(
  topics: readonly AnyTopic[],
  lock: SchemaLock,
  kind: RegistryKind = registryKind(),
): LocalSchemaRegistry {
  const entries: { topic: string; role: SchemaRole; versions: RegistryVersion[] }[] = [];
  const add = (topic: string, role: SchemaRole, codec: RegistryCodec): void => {
    const locked = (lock.topics[topic]?.[role]?.versions ?? []).filter(
      (v): v is typeof v & RegistryVersion => v.dataFormat !== 'JSON',
    );
    entries.push({ topic, role, versions: [...locked, versionOf(codec.format)] });
  };
  for (const topic of topics) {
    if (isRegistryCodec(topic.codec)) add(topic.name, 'value', topic.codec);
    if (topic.keyCodec) add(topic.name, 'key', topic.keyCodec);
  }
  return new LocalSchemaRegistry(kind, entries);
}
