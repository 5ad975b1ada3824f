/**
 * Avro values, encoded and decoded by avsc (https://github.com/mtth/avsc): a pure-JavaScript implementation of
 * the Avro specification with schema resolution (a reader schema reading data written with another version), the
 * part schema evolution rests on. Its types are inferred from a schema written in code; a schema from an `.avsc`
 * file is typed by a refining Standard Schema (`avro(schema, { refine: zod })`) or a type argument.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { Type, types, type Resolver, type Schema as AvscSchema } from 'avsc';
import { registryCodec } from './registry-codec';
import { fingerprintOf, formatSchema, type SchemaFormat } from './format';

/** An Avro schema as JSON data (what an `.avsc` file holds). */
export type AvroSchema = string | { readonly [key: string]: unknown } | readonly unknown[];

interface Primitives {
  null: null;
  boolean: boolean;
  int: number;
  long: number;
  float: number;
  double: number;
  bytes: Buffer;
  string: string;
}

interface Field {
  readonly name: string;
  readonly type: unknown;
}

/** The value type of an Avro schema written in code (named references and unknown forms are `unknown`). */
export type AvroValue<S> = S extends keyof Primitives
  ? Primitives[S]
  : S extends readonly unknown[]
    ? AvroValue<S[number]>
    : S extends { readonly type: 'record' | 'error'; readonly fields: readonly Field[] }
      ? { -readonly [F in S['fields'][number] as F['name']]: AvroValue<F['type']> }
      : S extends { readonly type: 'enum'; readonly symbols: readonly (infer E)[] }
        ? E
        : S extends { readonly type: 'array'; readonly items: infer I }
          ? AvroValue<I>[]
          : S extends { readonly type: 'map'; readonly values: infer V }
            ? Record<string, AvroValue<V>>
            : S extends { readonly type: 'fixed' }
              ? Buffer
              : S extends { readonly type: infer P extends keyof Primitives }
                ? Primitives[P]
                : unknown;

export interface AvroOptions<R extends StandardSchemaV1 | undefined> {
  /** A Standard Schema run on the decoded value after Avro's own check: narrower rules, and the handler's type. */
  refine?: R;
}

type AvroOutput<S, R> = R extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<R> : AvroValue<S>;

/**
 * An Avro topic format: `value: avro({ type: 'record', name: 'Alert', fields: [...] })`, or a schema imported from
 * an `.avsc` file. The definition the registry stores is the schema's JSON text as written.
 */
export function avro<const S extends AvroSchema, R extends StandardSchemaV1 | undefined = undefined>(
  schema: S,
  options: AvroOptions<R> = {},
): SchemaFormat<AvroOutput<S, R>> {
  const definition = JSON.stringify(schema);
  const type = Type.forSchema(schema as AvscSchema);
  const resolvers = new Map<string, Resolver>();
  const resolverFor = (writer: string): Resolver => {
    let resolver = resolvers.get(writer);
    if (!resolver) {
      resolver = type.createResolver(Type.forSchema(JSON.parse(writer) as AvscSchema));
      resolvers.set(writer, resolver);
    }
    return resolver;
  };
  return formatSchema(
    'avro',
    {
      dataFormat: 'AVRO',
      definition,
      fingerprint: fingerprintOf(definition),
      encode: (value) => type.toBuffer(value),
      decode: (payload, writer) =>
        writer === undefined || writer === definition
          ? type.fromBuffer(payload)
          : type.fromBuffer(payload, resolverFor(writer)),
      fromJson: compileFromJson(type),
      toJson: (value) => toJson(type, value),
    },
    registryCodec,
    (value) => avroIssues(type, value),
    options.refine as StandardSchemaV1<unknown, AvroOutput<S, R>> | undefined,
  );
}

/** Each path where the value breaks the schema, as Standard Schema issues (`field kind: ...`). */
function avroIssues(type: Type, value: unknown): StandardSchemaV1.Issue[] {
  if (type.isValid(value)) return NO_ISSUES; // the common case: no hook, no paths
  const issues: StandardSchemaV1.Issue[] = [];
  type.isValid(value, {
    errorHook(path: string[], got: unknown, expected: Type) {
      issues.push({ path, message: `expected Avro ${describeType(expected)}, got ${describeValue(got)}` });
    },
  });
  return issues;
}

const NO_ISSUES: StandardSchemaV1.Issue[] = [];

function describeType(type: Type): string {
  return type.typeName === 'record' || type.typeName === 'enum'
    ? `${type.typeName} ${type.name}`
    : type.typeName;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Buffer.isBuffer(value)) return `${value.length} bytes`;
  return JSON.stringify(value) ?? typeof value;
}

/**
 * JSON data to a value of this type: missing record fields take their defaults (the writer's version may predate
 * them), and bytes come from Avro's JSON form (one character per byte). Compiled once per type into one function
 * per node, so a record costs a property copy per field (this runs for every record delivered as JSON).
 */
type FromJson = (json: unknown) => unknown;
const AS_IS: FromJson = (json) => json;

function compileFromJson(type: Type): FromJson {
  if (type instanceof types.RecordType) {
    const fields = type.fields.map((field) => ({ field, read: compileFromJson(field.type) }));
    return (json) => {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
      const source = json as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const { field, read } of fields) {
        const value = source[field.name];
        if (value !== undefined) out[field.name] = read === AS_IS ? value : read(value);
        else {
          const fallback: unknown = field.defaultValue(); // a fresh copy each time: handlers may change it
          if (fallback !== undefined) out[field.name] = fallback;
        }
      }
      return out;
    };
  }
  if (type instanceof types.ArrayType) {
    const read = compileFromJson(type.itemsType);
    return read === AS_IS ? AS_IS : (json) => (Array.isArray(json) ? json.map(read) : json);
  }
  if (type instanceof types.MapType) {
    const read = compileFromJson(type.valuesType as Type);
    if (read === AS_IS) return AS_IS;
    return (json) =>
      typeof json === 'object' && json !== null
        ? Object.fromEntries(Object.entries(json).map(([k, v]) => [k, read(v)]))
        : json;
  }
  if (type instanceof types.UnwrappedUnionType) {
    const branches = type.types.map((branch) => ({ branch, read: compileFromJson(branch) }));
    if (branches.every((b) => b.read === AS_IS)) return AS_IS;
    return (json) => {
      for (const { branch, read } of branches) {
        const candidate = read(json);
        if (branch.isValid(candidate)) return candidate;
      }
      return json;
    };
  }
  if (type.typeName === 'bytes' || type.typeName === 'fixed')
    return (json) => (typeof json === 'string' ? Buffer.from(json, 'latin1') : json);
  return AS_IS;
}

/** A value as JSON data: bytes in Avro's JSON form, everything else as it is. */
function toJson(type: Type, value: unknown): unknown {
  if (type instanceof types.RecordType && typeof value === 'object' && value !== null) {
    const source = value as Record<string, unknown>;
    return Object.fromEntries(type.fields.map((f) => [f.name, toJson(f.type, source[f.name])]));
  }
  if (type instanceof types.ArrayType && Array.isArray(value))
    return value.map((item) => toJson(type.itemsType, item));
  if (type instanceof types.MapType && typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(type.valuesType, v)]));
  if (type instanceof types.UnwrappedUnionType) {
    const branch = type.types.find((t) => t.isValid(value));
    return branch ? toJson(branch, value) : value;
  }
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  return value;
}
