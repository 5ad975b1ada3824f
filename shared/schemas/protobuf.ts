/**
 * Protobuf values, with the message types `protoc-gen-es` generates (@bufbuild/protobuf: Buf's runtime, fully
 * conformant, with descriptors at run time, so the registry's .proto text and the field numbers the compatibility
 * check reads come from the same generated code the handler is typed by).
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  create,
  fromBinary,
  fromJson,
  isMessage,
  toBinary,
  toJson,
  type DescEnum,
  type DescFile,
  type DescMessage,
  type JsonValue,
  type MessageShape,
} from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, type DescriptorProto } from '@bufbuild/protobuf/wkt';
import { registryCodec } from './registry-codec';
import {
  fingerprintOf,
  formatSchema,
  type ProtoFieldShape,
  type ProtoShape,
  type SchemaFormat,
} from './format';

export interface ProtobufOptions<R extends StandardSchemaV1 | undefined> {
  /** A Standard Schema run on the decoded message after the Protobuf check: narrower rules, and its type. */
  refine?: R;
}

type ProtobufOutput<D extends DescMessage, R> = R extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<R>
  : MessageShape<D>;

/**
 * A Protobuf topic format from a generated message type: `value: protobuf(ItemChangeSchema)`. Values are messages
 * (`create(ItemChangeSchema, {...})`); the registry stores the message's .proto file as this framework prints it
 * from the descriptors.
 */
export function protobuf<D extends DescMessage, R extends StandardSchemaV1 | undefined = undefined>(
  message: D,
  options: ProtobufOptions<R> = {},
): SchemaFormat<ProtobufOutput<D, R>> {
  const definition = printProto(message.file);
  return formatSchema(
    'protobuf',
    {
      dataFormat: 'PROTOBUF',
      definition,
      fingerprint: fingerprintOf(definition),
      encode: (value) => Buffer.from(toBinary(message, value as MessageShape<D>)),
      decode: (payload) => fromBinary(message, payload),
      fromJson: (json) => fromJson(message, json as JsonValue),
      toJson: (value) => toJson(message, value as MessageShape<D>),
      protobuf: {
        typeName: message.typeName,
        glueIndex: glueMessageIndex(message),
        confluentIndex: confluentMessageIndex(message),
        shape: protoShape(message.file),
        descriptor: descriptorSet(message.file),
      },
    },
    registryCodec,
    (value) =>
      isMessage(value, message)
        ? []
        : [{ message: `expected a ${message.typeName} message (create(${message.name}Schema, {...}))` }],
    options.refine as StandardSchemaV1<unknown, ProtobufOutput<D, R>> | undefined,
  );
}

/** The file and its imports, each once, dependencies first, as a base64 FileDescriptorSet. */
function descriptorSet(file: DescFile): string {
  const files: DescFile[] = [];
  const visit = (f: DescFile): void => {
    if (files.includes(f)) return;
    f.dependencies.forEach(visit);
    files.push(f);
  };
  visit(file);
  const set = create(FileDescriptorSetSchema, { file: files.map((f) => f.proto) });
  return Buffer.from(toBinary(FileDescriptorSetSchema, set)).toString('base64');
}

/** Every message of a file by full name, nested ones (map entries too, as descriptors list them) included. */
function allMessageNames(file: DescFile): string[] {
  const names: string[] = [];
  const visit = (m: DescriptorProto, parent: string): void => {
    const name = parent ? `${parent}.${m.name}` : m.name;
    names.push(name);
    m.nestedType.forEach((n) => visit(n, name));
  };
  file.proto.messageType.forEach((m) => visit(m, file.proto.package));
  return names;
}

/** Glue's message index: the message's place among all the file's messages sorted by full name. */
function glueMessageIndex(message: DescMessage): number {
  return allMessageNames(message.file).sort().indexOf(message.typeName);
}

/** Confluent's message indexes: the path of positions from the file's top level down to the message. */
function confluentMessageIndex(message: DescMessage): number[] {
  const path: number[] = [];
  for (let m: DescMessage = message; ;) {
    const parent = m.parent;
    if (parent === undefined) {
      path.unshift(m.file.proto.messageType.indexOf(m.proto));
      return path;
    }
    path.unshift(parent.proto.nestedType.indexOf(m.proto));
    m = parent;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The .proto text the registry stores, printed from the descriptors
// ---------------------------------------------------------------------------------------------------------------

/** FieldDescriptorProto.Type names by number. */
const SCALARS: Record<number, string> = {
  1: 'double',
  2: 'float',
  3: 'int64',
  4: 'uint64',
  5: 'int32',
  6: 'fixed64',
  7: 'fixed32',
  8: 'bool',
  9: 'string',
  12: 'bytes',
  13: 'uint32',
  15: 'sfixed32',
  16: 'sfixed64',
  17: 'sint32',
  18: 'sint64',
};
const TYPE_MESSAGE = 11;
const TYPE_ENUM = 14;
const LABEL_REPEATED = 3;
const LABEL_REQUIRED = 2;

/** A .proto file equivalent to the descriptor: what Glue (or a Confluent registry) parses and compares. */
export function printProto(file: DescFile): string {
  const proto3 = file.proto.syntax === 'proto3';
  const lines = [`syntax = "${proto3 ? 'proto3' : 'proto2'}";`];
  if (file.proto.package) lines.push(`package ${file.proto.package};`);
  for (const dependency of file.dependencies) lines.push(`import "${dependency.name}.proto";`);
  for (const e of file.enums) lines.push(...printEnum(e, ''));
  for (const m of file.messages) lines.push(...printMessage(m, '', proto3));
  return lines.join('\n') + '\n';
}

function printEnum(e: DescEnum, indent: string): string[] {
  return [
    `${indent}enum ${e.name} {`,
    ...e.values.map((v) => `${indent}  ${v.name} = ${v.number};`),
    `${indent}}`,
  ];
}

function printMessage(m: DescMessage, indent: string, proto3: boolean): string[] {
  const inner = `${indent}  `;
  const lines = [`${indent}message ${m.name} {`];
  const oneofs = new Map<string, string[]>();
  for (const { proto: field, oneof } of m.fields) {
    const mapEntry = m.proto.nestedType.find(
      (n) => n.options?.mapEntry && field.typeName === `.${m.typeName}.${n.name}`,
    );
    let type: string;
    if (mapEntry) {
      const [k, v] = mapEntry.field;
      type = `map<${fieldType(k!)}, ${fieldType(v!)}>`;
    } else type = fieldType(field);
    let label = '';
    if (!mapEntry && field.label === LABEL_REPEATED) label = 'repeated ';
    else if (!proto3 && field.label === LABEL_REQUIRED) label = 'required ';
    else if (!proto3 && oneof === undefined) label = 'optional ';
    else if (proto3 && field.proto3Optional) label = 'optional ';
    const line = `${label}${type} ${field.name} = ${field.number};`;
    if (oneof) oneofs.set(oneof.name, [...(oneofs.get(oneof.name) ?? []), line]);
    else lines.push(inner + line);
  }
  for (const [name, members] of oneofs) {
    lines.push(`${inner}oneof ${name} {`);
    lines.push(...members.map((line) => `${inner}  ${line}`));
    lines.push(`${inner}}`);
  }
  for (const e of m.nestedEnums) lines.push(...printEnum(e, inner));
  for (const n of m.nestedMessages) lines.push(...printMessage(n, inner, proto3));
  lines.push(`${indent}}`);
  return lines;
}

function fieldType(field: { type: number; typeName: string }): string {
  if (field.type === TYPE_MESSAGE || field.type === TYPE_ENUM) return field.typeName; // fully qualified, `.pkg.Name`
  return SCALARS[field.type] ?? `unsupported type ${field.type}`;
}

function protoShape(file: DescFile): ProtoShape {
  const shape: ProtoShape = {};
  const all: DescMessage[] = [];
  const visit = (m: DescMessage): void => {
    all.push(m);
    m.nestedMessages.forEach(visit);
  };
  file.messages.forEach(visit);
  for (const m of all) {
    const fields: Record<string, ProtoFieldShape> = {};
    for (const f of m.proto.field)
      fields[String(f.number)] = { name: f.name, type: fieldType(f), repeated: f.label === LABEL_REPEATED };
    shape[m.typeName] = {
      fields,
      reserved: m.proto.reservedRange.map((r) => [r.start, r.end - 1] as [number, number]),
    };
  }
  return shape;
}
