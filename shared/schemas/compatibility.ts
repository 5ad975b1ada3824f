/**
 * Whether a new version of a topic's schema may follow the versions already in use, under the topic's
 * compatibility mode, decided before anything is deployed (the registry would refuse it only mid-deploy, after the
 * cluster and the functions changed). Each finding names the field and the rule it breaks:
 *
 * | rule                | Avro                                                           | Protobuf                                   | JSON (JSON Schema)                                   |
 * | ------------------- | -------------------------------------------------------------- | ------------------------------------------ | ---------------------------------------------------- |
 * | `added-no-default`  | a reader's field the writer lacks, without a default           | -                                          | a reader's required property the writer lacks       |
 * | `removed-no-default`| the same seen from the old reader (FORWARD): a field removed   | -                                          | the same seen from the old reader                    |
 * | `changed-type`      | a field's type no Avro promotion turns the writer's into       | a field number whose type or label changed | a property whose `type` the reader does not accept   |
 * | `enum-symbol`       | a writer's enum symbol the reader lacks (and no enum default)  | -                                          | a writer's enum value the reader does not accept     |
 * | `reused-number`     | -                                                              | a field number given to another field (any earlier version) | -                                   |
 * | `disabled`          | DISABLED takes no new version at all                           | the same                                   | the same                                             |
 *
 * Directions (Glue's and Confluent's definitions): BACKWARD, the new version reads data of the latest one; FORWARD,
 * the latest reads data of the new one; FULL, both; *_ALL, against every earlier version; NONE, anything.
 */
import { Type, types, type Schema as AvscSchema } from 'avsc';
import type { Compatibility } from './compatibility-mode';
import type { ProtoShape } from './format';

/** One version as the schema lock records it. */
export interface SchemaVersion {
  readonly dataFormat: 'AVRO' | 'PROTOBUF' | 'JSON';
  readonly definition: string;
  /** Protobuf: every message's fields by number. */
  readonly shape?: ProtoShape;
}

export type Rule =
  'added-no-default' | 'removed-no-default' | 'changed-type' | 'enum-symbol' | 'reused-number' | 'disabled';

export interface Incompatibility {
  readonly rule: Rule;
  /** Dotted path of the field (`detail`, `location.zone`), or the message and number for Protobuf. */
  readonly field: string;
  readonly message: string;
}

/**
 * What breaks if `next` follows `previous` (oldest first, at least one) under `mode`. Protobuf field numbers are
 * checked against every earlier version whatever the mode: records written with any of them may still be read.
 */
export function incompatibilities(
  mode: Compatibility,
  previous: readonly SchemaVersion[],
  next: SchemaVersion,
): Incompatibility[] {
  const latest = previous[previous.length - 1];
  if (!latest || mode === 'NONE') return [];
  if (mode === 'DISABLED')
    return [{ rule: 'disabled', field: '(schema)', message: 'compatibility DISABLED takes no new version' }];
  const all = mode.endsWith('_ALL');
  const against = all ? previous : [latest];
  const backward = mode.startsWith('BACKWARD') || mode.startsWith('FULL');
  const forward = mode.startsWith('FORWARD') || mode.startsWith('FULL');
  const found: Incompatibility[] = [];
  if (next.dataFormat === 'PROTOBUF') found.push(...protobufReuse(previous, next));
  for (const old of against) {
    if (backward) found.push(...readable(next, old, 'new'));
    if (forward) found.push(...readable(old, next, 'old'));
  }
  return dedupe(found);
}

/** One finding per field and rule (FULL finds a changed type from both sides). */
function dedupe(found: Incompatibility[]): Incompatibility[] {
  const seen = new Set<string>();
  return found.filter((f) => {
    const key = `${f.rule}|${f.field}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether `reader` reads records written with `writer`; `readerIs` says which of them is the new version. */
function readable(reader: SchemaVersion, writer: SchemaVersion, readerIs: 'new' | 'old'): Incompatibility[] {
  if (reader.dataFormat !== writer.dataFormat)
    return [
      {
        rule: 'changed-type',
        field: '(schema)',
        message: `the format changed from ${writer.dataFormat} to ${reader.dataFormat}`,
      },
    ];
  switch (reader.dataFormat) {
    case 'AVRO':
      return avroReadable(
        Type.forSchema(JSON.parse(reader.definition) as AvscSchema),
        Type.forSchema(JSON.parse(writer.definition) as AvscSchema),
        '',
        readerIs,
      );
    case 'PROTOBUF':
      return protobufReadable(reader.shape ?? {}, writer.shape ?? {});
    case 'JSON':
      return jsonReadable(
        JSON.parse(reader.definition) as JsonSchema,
        JSON.parse(writer.definition) as JsonSchema,
        '',
        readerIs,
      );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Avro: the specification's schema resolution rules
// ---------------------------------------------------------------------------------------------------------------

/** Writer type -> reader types it is promoted to (Avro specification, "Schema Resolution"). */
const PROMOTIONS: Record<string, readonly string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

const named = (type: Type): string => type.name ?? type.typeName;
const at = (path: string, name: string): string => (path ? `${path}.${name}` : name);

function avroReadable(reader: Type, writer: Type, path: string, readerIs: 'new' | 'old'): Incompatibility[] {
  const field = path || '(value)';
  if (writer instanceof types.UnwrappedUnionType || writer instanceof types.WrappedUnionType)
    return writer.types.flatMap((branch) => avroReadable(reader, branch, path, readerIs));
  if (reader instanceof types.UnwrappedUnionType || reader instanceof types.WrappedUnionType) {
    const fits = reader.types.some((branch) => avroReadable(branch, writer, path, readerIs).length === 0);
    return fits ? [] : [changedType(field, writer, reader)];
  }
  if (reader instanceof types.RecordType && writer instanceof types.RecordType) {
    const found: Incompatibility[] = [];
    for (const f of reader.fields) {
      const w = writer.fields.find((x) => x.name === f.name || f.aliases.includes(x.name));
      const fieldPath = at(path, f.name);
      if (w) found.push(...avroReadable(f.type, w.type, fieldPath, readerIs));
      else if (f.defaultValue() === undefined) found.push(missingField(fieldPath, readerIs));
    }
    return found;
  }
  if (reader instanceof types.EnumType && writer instanceof types.EnumType) {
    if ((reader as { default?: string }).default !== undefined) return []; // unknown symbols read as the default
    return writer.symbols
      .filter((s) => !reader.symbols.includes(s))
      .map((s) => ({
        rule: 'enum-symbol' as const,
        field,
        message:
          readerIs === 'new'
            ? `enum symbol ${s} was removed, and records written with it cannot be read`
            : `enum symbol ${s} was added, and readers of the previous version cannot read it`,
      }));
  }
  if (reader instanceof types.ArrayType && writer instanceof types.ArrayType)
    return avroReadable(reader.itemsType, writer.itemsType, `${path}[]`, readerIs);
  if (reader instanceof types.MapType && writer instanceof types.MapType)
    return avroReadable(reader.valuesType, writer.valuesType, `${path}{}`, readerIs);
  if (reader.typeName === writer.typeName) {
    if (reader instanceof types.FixedType && writer instanceof types.FixedType && reader.size !== writer.size)
      return [changedType(field, writer, reader)];
    return [];
  }
  if (PROMOTIONS[writer.typeName]?.includes(reader.typeName)) return [];
  return [changedType(field, writer, reader)];
}

function changedType(field: string, writer: Type, reader: Type): Incompatibility {
  return {
    rule: 'changed-type',
    field,
    message: `the type changed from ${named(writer)} to ${named(reader)}, which Avro cannot resolve`,
  };
}

function missingField(field: string, readerIs: 'new' | 'old'): Incompatibility {
  return readerIs === 'new'
    ? {
        rule: 'added-no-default',
        field,
        message: 'was added without a default, so records written with the previous version cannot be read',
      }
    : {
        rule: 'removed-no-default',
        field,
        message:
          'was removed, and the previous version gives it no default, so its readers cannot read new records',
      };
}

// ---------------------------------------------------------------------------------------------------------------
// Protobuf: field numbers
// ---------------------------------------------------------------------------------------------------------------

/** Field numbers given to another field (another name) than in any earlier version, in the same message. */
function protobufReuse(previous: readonly SchemaVersion[], next: SchemaVersion): Incompatibility[] {
  const found: Incompatibility[] = [];
  for (const [message, { fields }] of Object.entries(next.shape ?? {})) {
    for (const [number, field] of Object.entries(fields)) {
      for (const old of previous) {
        const before = old.shape?.[message]?.fields[number];
        if (before && before.name !== field.name)
          found.push({
            rule: 'reused-number',
            field: `${message}.${field.name} = ${number}`,
            message: `field number ${number} was ${before.name} (${before.type}) in an earlier version; records written with it would be read as ${field.name}: reserve the number instead`,
          });
      }
    }
  }
  return found;
}

/** The same field number must keep its type and label: the wire type, or the meaning of its bytes, differs. */
function protobufReadable(reader: ProtoShape, writer: ProtoShape): Incompatibility[] {
  const found: Incompatibility[] = [];
  for (const [message, { fields }] of Object.entries(reader)) {
    for (const [number, field] of Object.entries(fields)) {
      const before = writer[message]?.fields[number];
      if (!before || before.name !== field.name) continue;
      if (before.type !== field.type || before.repeated !== field.repeated)
        found.push({
          rule: 'changed-type',
          field: `${message}.${field.name} = ${number}`,
          message: `the type changed from ${label(before)} to ${label(field)}`,
        });
    }
  }
  return found;
}

const label = (f: { type: string; repeated: boolean }): string => `${f.repeated ? 'repeated ' : ''}${f.type}`;

// ---------------------------------------------------------------------------------------------------------------
// JSON: what a JSON Schema (from the Standard Schema, e.g. zod) says about properties and types
// ---------------------------------------------------------------------------------------------------------------

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  default?: unknown;
}

/** The JSON types a schema accepts (`integer` within `number`); undefined: any. */
function jsonTypes(schema: JsonSchema): Set<string> | undefined {
  if (schema.anyOf) {
    const all = schema.anyOf.map(jsonTypes);
    return all.some((t) => t === undefined) ? undefined : new Set(all.flatMap((t) => [...t!]));
  }
  if (schema.const !== undefined) return new Set([schema.const === null ? 'null' : typeof schema.const]);
  if (schema.type === undefined) return undefined;
  return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
}

function jsonAccepts(reader: Set<string>, type: string): boolean {
  return reader.has(type) || (type === 'integer' && reader.has('number'));
}

function jsonReadable(
  reader: JsonSchema,
  writer: JsonSchema,
  path: string,
  readerIs: 'new' | 'old',
): Incompatibility[] {
  const field = path || '(value)';
  const readerTypes = jsonTypes(reader);
  const writerTypes = jsonTypes(writer);
  if (readerTypes && writerTypes) {
    const lost = [...writerTypes].filter((t) => !jsonAccepts(readerTypes, t));
    if (lost.length > 0)
      return [
        {
          rule: 'changed-type',
          field,
          message: `the type changed from ${[...writerTypes].join(' | ')} to ${[...readerTypes].join(' | ')}`,
        },
      ];
  }
  const found: Incompatibility[] = [];
  if (reader.enum && writer.enum) {
    for (const v of writer.enum.filter((v) => !reader.enum!.includes(v)))
      found.push({
        rule: 'enum-symbol',
        field,
        message:
          readerIs === 'new'
            ? `value ${JSON.stringify(v)} is no longer accepted, and records written with it cannot be read`
            : `value ${JSON.stringify(v)} was added, and readers of the previous version refuse it`,
      });
  }
  if (reader.properties) {
    const writerProps = writer.properties ?? {};
    for (const [name, schema] of Object.entries(reader.properties)) {
      const fieldPath = at(path, name);
      const before = writerProps[name];
      if (before) found.push(...jsonReadable(schema, before, fieldPath, readerIs));
      else if (reader.required?.includes(name) && schema.default === undefined)
        found.push(missingField(fieldPath, readerIs));
    }
    for (const name of reader.required ?? []) {
      const before = writerProps[name];
      if (before && !(writer.required ?? []).includes(name) && reader.properties[name]?.default === undefined)
        found.push({
          rule: readerIs === 'new' ? 'added-no-default' : 'removed-no-default',
          field: at(path, name),
          message:
            readerIs === 'new'
              ? 'became required, so records written without it cannot be read'
              : 'became optional, and readers of the previous version require it',
        });
    }
  }
  if (reader.items && writer.items)
    found.push(...jsonReadable(reader.items, writer.items, `${path}[]`, readerIs));
  return found;
}
