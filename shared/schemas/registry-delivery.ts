/**
 * What the event source mapping does with a record when a schema registry is configured (Lambda developer guide,
 * "Using schema registries with Kafka event sources"): for each validated attribute (KEY, VALUE) it reads the
 * schema id from the registry's wire format and looks the version up (not found: the record goes to the on-failure
 * destination as SCHEMA_NOT_FOUND), decodes the bytes with that version (failing: DESERIALIZATION_ERROR), applies
 * the filter to the decoded value, and delivers it as the record format says: `JSON`, the decoded value as JSON
 * text; `SOURCE`, the bytes without the registry's header. The record then carries `keySchemaMetadata` /
 * `valueSchemaMetadata`: `{ schemaId, dataFormat }`. The emulator runs every record of such a mapping through here
 * before its filter, where the mapping does.
 */
import { describeLocation, errorMessage } from '../errors';
import type { RecordFormat } from '../declarations/handler';
import type { RawRecord, SchemaMetadata } from '../kafka/records';
import type { SchemaRole } from './schema-ids';
import { formatOfVersion, type RegistryVersion } from './version-format';
import { decodeBody, unframe, type RegistryKind, type SchemaId } from './wire-format';

/** The registry the mapping reads: which version an id names. */
export interface RegistryLookup {
  readonly kind: RegistryKind;
  version(topic: string, role: SchemaRole, id: SchemaId): RegistryVersion | undefined;
}

export type RegistryFailure = 'SCHEMA_NOT_FOUND' | 'DESERIALIZATION_ERROR';

export type Delivery =
  /** `record` as delivered; `filterValue`: the bytes the filter reads (the value's JSON text when validated). */
  | { readonly ok: true; readonly record: RawRecord; readonly filterValue: Buffer | null }
  | { readonly ok: false; readonly condition: RegistryFailure; readonly reason: string };

type Attribute = 'KEY' | 'VALUE';

interface Read {
  delivered: Buffer;
  json: Buffer;
  metadata: SchemaMetadata;
}

export function throughRegistry(
  raw: RawRecord,
  attributes: readonly Attribute[],
  recordFormat: RecordFormat,
  registry: RegistryLookup,
): Delivery {
  let key = raw.key;
  let value = raw.value;
  let filterValue = raw.value;
  const schemaMetadata: { key?: SchemaMetadata; value?: SchemaMetadata } = {};
  for (const attribute of attributes) {
    const role: SchemaRole = attribute === 'KEY' ? 'key' : 'value';
    const bytes = role === 'key' ? raw.key : raw.value;
    if (bytes === null) continue;
    const read = readAttribute(raw, role, bytes, recordFormat, registry);
    if ('condition' in read) return read;
    schemaMetadata[role] = read.metadata;
    if (role === 'key') key = read.delivered;
    else {
      value = read.delivered;
      filterValue = read.json;
    }
  }
  return { ok: true, record: { ...raw, key, value, schemaMetadata }, filterValue };
}

function readAttribute(
  raw: RawRecord,
  role: SchemaRole,
  bytes: Buffer,
  recordFormat: RecordFormat,
  registry: RegistryLookup,
): Read | { ok: false; condition: RegistryFailure; reason: string } {
  const where = `${describeLocation(raw)}: ${role}`;
  let id: SchemaId;
  let body: Buffer;
  try {
    ({ id, body } = unframe(registry.kind, bytes));
  } catch (error) {
    return failed(
      'DESERIALIZATION_ERROR',
      `${where} is not in the ${registry.kind} wire format: ${errorMessage(error)}`,
    );
  }
  const version = registry.version(raw.topic, role, id);
  if (!version)
    return failed('SCHEMA_NOT_FOUND', `${where} has schema id ${id}, which the registry does not know`);
  let json: Buffer;
  try {
    const format = formatOfVersion(version);
    json = Buffer.from(JSON.stringify(format.toJson(decodeBody(registry.kind, format, body))), 'utf8');
  } catch (error) {
    return failed(
      'DESERIALIZATION_ERROR',
      `${where} with schema id ${id} does not decode as ${version.dataFormat}: ${errorMessage(error)}`,
    );
  }
  return {
    delivered: recordFormat === 'JSON' ? json : body,
    json,
    metadata: { schemaId: String(id), dataFormat: version.dataFormat },
  };
}

const failed = (condition: RegistryFailure, reason: string) => ({ ok: false as const, condition, reason });
