/**
 * The schema registry the emulator's mappings read: every version of every registry topic's key and value that
 * the declarations and the schema lock name, each under its local id (schema-ids.ts: derived from the topic and
 * the definition), so the ids are the same after every restart and on every machine, and a producer anywhere
 * (the test kit, `publish`, a handler in its container) writes ids this registry knows without asking it.
 */
import { localSchemaId, registryKind, type SchemaRole } from './schema-ids';
import type { SchemaLock } from './schema-lock';
import type { RegistryLookup } from './registry-delivery';
import type { RegistryVersion } from './version-format';
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

/**
 * The registry filled from the declared topics (their plan: TopicSettings, or the topics themselves) and every
 * version the lock holds for them.
 */
export function localRegistryOf(
  topics: readonly { name: string; registry?: { value?: RegistryVersion; key?: RegistryVersion } }[],
  lock: SchemaLock,
  kind: RegistryKind = registryKind(),
): LocalSchemaRegistry {
  const entries: { topic: string; role: SchemaRole; versions: RegistryVersion[] }[] = [];
  for (const { name, registry } of topics)
    for (const role of ['key', 'value'] as const) {
      const declared = registry?.[role];
      if (!declared) continue;
      const locked = (lock.topics[name]?.[role]?.versions ?? []).filter(
        (v): v is typeof v & RegistryVersion => v.dataFormat !== 'JSON',
      );
      entries.push({ topic: name, role, versions: [...locked, declared] });
    }
  return new LocalSchemaRegistry(kind, entries);
}
