/**
 * A topic's registry format: Avro or Protobuf values (or keys) behind a schema registry. A format is a Standard
 * Schema (so `value: avro(...)` types and validates a topic like any zod schema) that also knows how its values
 * become the registry's payload bytes and back, and what the registry stores for it.
 */
import { createHash } from 'node:crypto';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Codec } from '../declarations/codec';

/** The registry's name for the format (Glue's DataFormat, the mapping's `dataFormat`). */
export type DataFormat = 'AVRO' | 'PROTOBUF';

/** What a registry format does, apart from validating. */
export interface FormatSpec {
  readonly dataFormat: DataFormat;
  /** The schema text the registry stores (Avro JSON, a .proto file). */
  readonly definition: string;
  /** sha256 of the definition, hex: names one version of a topic's schema. */
  readonly fingerprint: string;
  /**
   * The value as the format's payload: Avro binary, or a Protobuf message. Takes a value that passed `validate`.
   */
  encode(value: unknown): Buffer;
  /**
   * A payload back to a value. `writer`: the definition the payload was written with, when it is not this one
   * (Avro resolves it against this schema: fields added since get their defaults).
   */
  decode(payload: Buffer, writer?: string): unknown;
  /**
   * A value as the mapping delivers it in `EventRecordFormat: JSON` (and as `tail` prints it) back to this format's
   * value: the mapping writes the writer's fields, so fields this version added take their defaults here.
   */
  fromJson(json: unknown): unknown;
  /** A value as plain JSON data (what the mapping delivers in JSON mode, what the tools print). */
  toJson(value: unknown): unknown;
  /** Protobuf only: what the wire formats and the compatibility check need besides the bytes. */
  readonly protobuf?: ProtobufSpec;
}

export interface ProtobufSpec {
  /** The message's full name (`package.Message`). */
  readonly typeName: string;
  /**
   * The position of the message among the schema's messages, as each registry's wire format names it: `glue` (all
   * messages, nested ones included, sorted by full name) and `confluent` (the path from the file's top level).
   */
  readonly glueIndex: number;
  readonly confluentIndex: readonly number[];
  /** Every message's fields by number, for the compatibility check. */
  readonly shape: ProtoShape;
  /**
   * The file and what it imports as a FileDescriptorSet (binary, base64): what a registry (the local one, the
   * emulator's mapping) decodes records of this version with, without the generated code.
   */
  readonly descriptor: string;
}

/** One field as the compatibility check compares it across versions. */
export interface ProtoFieldShape {
  readonly name: string;
  readonly type: string;
  readonly repeated: boolean;
}

/** Every message of a .proto file (by full name) with its fields by number and its reserved number ranges. */
export type ProtoShape = Record<
  string,
  {
    readonly fields: Record<string, ProtoFieldShape>;
    readonly reserved: readonly (readonly [number, number])[];
  }
>;

/** A Standard Schema that is also a registry format. */
export interface SchemaFormat<T> extends StandardSchemaV1<unknown, T> {
  readonly '~format': FormatSpec;
  /**
   * The codec of a topic's value or key in this format (registry-codec.ts). Brought by the format, so a function
   * whose topics are all JSON bundles none of the registry code.
   */
  readonly '~codec': (topic: string, role: 'key' | 'value') => RegistryCodec;
}

export interface RegistryCodec extends Codec {
  readonly topic: string;
  readonly role: 'key' | 'value';
  readonly format: FormatSpec;
  /** `EventRecordFormat: SOURCE`: the body the mapping delivers, with the schema id from its metadata. */
  decodeSource(body: Buffer, schemaId: string): unknown;
  /** `EventRecordFormat: JSON`: the value's JSON text the mapping delivers. */
  decodeJson(text: string): unknown;
}

export function isRegistryCodec(codec: Codec): codec is RegistryCodec {
  return 'format' in codec && 'decodeSource' in codec;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: any format, whatever its value type
export type AnySchemaFormat = SchemaFormat<any>;

export function isSchemaFormat(schema: unknown): schema is AnySchemaFormat {
  return typeof schema === 'object' && schema !== null && '~format' in schema;
}

export const fingerprintOf = (definition: string): string =>
  createHash('sha256').update(definition).digest('hex');

/**
 * The Standard Schema side of a format: the value must be valid for the format (`problems` says why not), then
 * an optional refining Standard Schema (zod, valibot...) checks it further and gives its output.
 */
export function formatSchema<T>(
  vendor: string,
  spec: FormatSpec,
  codec: (topic: string, role: 'key' | 'value', spec: FormatSpec) => RegistryCodec,
  problems: (value: unknown) => readonly StandardSchemaV1.Issue[],
  refine?: StandardSchemaV1<unknown, T>,
): SchemaFormat<T> {
  return Object.freeze({
    '~format': spec,
    '~codec': (topic: string, role: 'key' | 'value') => codec(topic, role, spec),
    '~standard': {
      version: 1 as const,
      vendor,
      validate(value: unknown): StandardSchemaV1.Result<T> | Promise<StandardSchemaV1.Result<T>> {
        const issues = problems(value);
        if (issues.length > 0) return { issues };
        return refine ? refine['~standard'].validate(value) : { value: value as T };
      },
    },
  });
}
