/**
 * The codec of a topic whose key or value has a registry format: values become the registry's wire format with
 * the id of the declared version (schema-ids.ts: no registry call), and bytes are read back by the version their
 * id names. It also reads the two shapes the event source mapping delivers when a schema registry is configured.
 */
import type { FormatSpec, RegistryCodec } from './format';
import { currentSchemaId, registryKind, writerDefinition, type SchemaRole } from './schema-ids';

export type { RegistryCodec } from './format';
export { isRegistryCodec } from './format';
import { decodeBody, encodeBody, frame, unframe, type SchemaId } from './wire-format';

/** The schema id of a record the registry does not know (or this reader cannot resolve). */
export class UnknownSchemaError extends Error {
  override name = 'UnknownSchemaError';
  constructor(
    readonly schemaId: SchemaId,
    role: SchemaRole,
  ) {
    super(`schema id ${schemaId} of the ${role} is not a known version of its schema`);
  }
}

export function registryCodec(topic: string, role: SchemaRole, format: FormatSpec): RegistryCodec {
  const writerOf = (id: SchemaId): string => {
    const kind = registryKind();
    if (id === currentSchemaId(kind, topic, role, format)) return format.definition; // the common case, no lookup
    const writer = writerDefinition(kind, topic, role, format, id);
    if (writer === undefined) throw new UnknownSchemaError(id, role);
    return writer;
  };
  return {
    name: format.dataFormat === 'AVRO' ? 'Avro' : 'Protobuf',
    topic,
    role,
    format,
    encode(value) {
      const kind = registryKind();
      return frame(kind, currentSchemaId(kind, topic, role, format), encodeBody(kind, format, value));
    },
    decode(bytes) {
      const kind = registryKind();
      const { id, body } = unframe(kind, bytes);
      return decodeBody(kind, format, body, writerOf(id));
    },
    decodeSource(body, schemaId) {
      const kind = registryKind();
      const id = kind === 'confluent' ? Number(schemaId) : schemaId;
      return decodeBody(kind, format, body, writerOf(id));
    },
    decodeJson: (text) => format.fromJson(JSON.parse(text)),
    fromEvent(base64, metadata, recordFormat) {
      const bytes = Buffer.from(base64, 'base64');
      if (!metadata)
        // The bytes as written (a mapping without a registry, the test kit), or JSON text: what a handler in JSON
        // record format dead-letters (the source bytes never reach it), replayed. No wire format starts with `{`.
        return bytes[0] === 0x7b ? this.decodeJson(bytes.toString('utf8')) : this.decode(bytes);
      return recordFormat === 'SOURCE'
        ? this.decodeSource(bytes, metadata.schemaId)
        : this.decodeJson(bytes.toString('utf8'));
    },
  };
}
