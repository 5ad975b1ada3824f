/**
 * A handler's `filter`: Lambda event filtering for Kafka event sources (Amazon MSK, self-managed Apache Kafka),
 * declared once and used twice. Infra pushes it down to the event source mapping as one FilterCriteria pattern
 * (`filterPattern`), and the local emulator evaluates the same pattern the way the mapping does (`compileFilter`).
 *
 * Reference: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (Kafka specifics:
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html). Lambda uses EventBridge's pattern syntax
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html); only operators that
 * table marks as supported outside event buses ("Pipe support: Yes"; Pipes filter like Lambda mappings) are
 * accepted. Matching details the docs leave open follow AWS's engine, https://github.com/aws/event-ruler.
 *
 * Kafka mappings filter on `value` only, so a filter is the part under `value`:
 * - an object of fields (`{ reason: ['trade'] }`) matches a value that is UTF-8 JSON;
 * - a list of rules (`[{ prefix: 'INFO' }]`) matches a value that is UTF-8 text and not JSON, as a whole string.
 * A value in the other format or not UTF-8 never matches: the docs' Kafka format table says Lambda then processes
 * metadata filters only, and it drops records that do not match every field of the filter, here `value`. A record
 * without a value (tombstone) has no format and never matches either.
 */
import { DeclarationError } from '../errors';

// ---------------------------------------------------------------------------------------------------------------
// Declaration types
// ---------------------------------------------------------------------------------------------------------------

type RuleName = 'prefix' | 'suffix' | 'equals-ignore-case' | 'anything-but' | 'numeric' | 'exists';

/** A rule object has exactly one key; `never` on the others makes `{ prefix, suffix }` or a misspelling fail. */
type Rule<K extends RuleName, V> = { readonly [P in K]: V } & {
  readonly [P in Exclude<RuleName, K>]?: never;
};

/** `{ prefix: { 'equals-ignore-case': 'ab' } }`: begins (or ends) with, ignoring case. */
export interface IgnoreCase {
  readonly 'equals-ignore-case': string;
}

type Lower = '>' | '>=';
type Upper = '<' | '<=';

/** `['=', 100]`, `['<', 10]`, `['>', 10, '<=', 20]`: a range is written lower bound first. */
export type NumericCondition =
  readonly ['=', number] | readonly [Lower | Upper, number] | readonly [Lower, number, Upper, number];

/** One rule for a field of a JSON value. A field matches if any rule in its list matches. */
export type Matcher =
  | string
  | number
  | boolean
  | null
  | Rule<'prefix', string | IgnoreCase>
  | Rule<'suffix', string | IgnoreCase>
  | Rule<'equals-ignore-case', string>
  | Rule<'anything-but', string | number | readonly string[] | readonly number[]>
  | Rule<'numeric', NumericCondition>
  | Rule<'exists', boolean>;

/** `$or` takes at least two alternatives; a tuple also keeps a misspelt one-element rule list from compiling. */
export type OrFilters = readonly [FieldsFilter, FieldsFilter, ...FieldsFilter[]];

/** Fields of a JSON value: every field must match (and); `$or` lists alternatives; objects nest. */
export interface FieldsFilter {
  readonly [field: string]: readonly Matcher[] | FieldsFilter | OrFilters;
}

/** One rule for a value that is plain text (not JSON); rules that can never match a string are left out. */
export type StringMatcher =
  | string
  | Rule<'prefix', string | IgnoreCase>
  | Rule<'suffix', string | IgnoreCase>
  | Rule<'equals-ignore-case', string>
  | Rule<'anything-but', string | readonly string[]>
  | Rule<'exists', true>;

/** A filter on the whole value as a string: it matches if any rule matches. */
export type StringFilter = readonly StringMatcher[];

/** A handler's `filter`: fields of a JSON value, or rules for a plain-string value. */
export type ValueFilter = FieldsFilter | StringFilter;

/** Whether a record's value (its raw bytes, `null` for a tombstone) passes the filter. */
export type FilterMatcher = (valueBytes: Buffer | null) => boolean;

// ---------------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------------

/** Throws a DeclarationError naming the handler and the field if the filter is not one Lambda would apply as is. */
export function checkFilter(handlerName: string, filter: unknown): asserts filter is ValueFilter {
  compiled(filter, handlerName);
}

/** The matcher for a filter, built once; call it per record. */
export function compileFilter(filter: ValueFilter, handlerName?: string): FilterMatcher {
  return compiled(filter, handlerName).matches;
}

/** The same as `compileFilter(filter)(valueBytes)`, with the compiled filter cached per filter object. */
export function matchesFilter(valueBytes: Buffer | null, filter: ValueFilter): boolean {
  return compiled(filter).matches(valueBytes);
}

/** The matcher of a deployed FilterCriteria pattern (`filterPattern`'s output): what the mapping applies. */
export function compileFilterPattern(pattern: string, handlerName?: string): FilterMatcher {
  return compileFilter((JSON.parse(pattern) as { value: ValueFilter }).value, handlerName);
}

/** The one FilterCriteria pattern to push down to the event source mapping: `{"value": filter}` as JSON. */
export function filterPattern(filter: ValueFilter, handlerName?: string): string {
  return compiled(filter, handlerName).pattern;
}

// ---------------------------------------------------------------------------------------------------------------
// Compilation (validation and matcher in one pass)
// ---------------------------------------------------------------------------------------------------------------

/** API_Filter: a pattern is at most 4096 characters. */
const MAX_PATTERN_LENGTH = 4096;
/** event-ruler's README: numeric matching covers -5e9..5e9, 6 digits right of the decimal point. */
const NUMERIC_LIMIT = 5e9;
const NUMERIC_DECIMALS = 6;
/** Guards against $or combinations multiplying past anything a 4 KB pattern is meant to express. */
const MAX_ALTERNATIVES = 1024;
/** Names event-ruler reserves inside `$or` objects (it would silently read `$or` as a field name otherwise). */
const RESERVED_IN_OR = new Set([
  'equals',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
]);
const EVENT_BUS_ONLY =
  'is documented for EventBridge event buses only ("Pipe support: No"); Lambda event filtering does not support it';
const RULES = '"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists"';

type Leaf =
  | { readonly t: 'string'; readonly s: string }
  | { readonly t: 'number'; readonly raw: string; readonly n: number }
  | { readonly t: 'boolean'; readonly b: boolean }
  | { readonly t: 'null' };
type LeafTest = (leaf: Leaf) => boolean;

interface FieldTest {
  readonly path: string;
  readonly label: string;
  readonly tests: readonly LeafTest[];
  /** `{ exists: false }` is in the list: the field may be absent. */
  readonly absent: boolean;
}

interface Compiled {
  readonly pattern: string;
  readonly matches: FilterMatcher;
}

const cache = new WeakMap<object, Compiled>();

function compiled(filter: unknown, handlerName?: string): Compiled {
  const hit = typeof filter === 'object' && filter !== null ? cache.get(filter) : undefined;
  if (hit) return hit;
  const fail: Fail = (where, message) => {
    throw new DeclarationError(
      handlerName === undefined ? 'handler' : `handler "${handlerName}"`,
      `${where}: ${message}`,
    );
  };
  let matches: FilterMatcher;
  if (Array.isArray(filter)) {
    const { tests } = ruleList(filter, true, 'filter value', fail);
    matches = (bytes) => {
      const value = decodeValue(bytes);
      if (value.kind !== 'text') return false;
      return passes(tests, { t: 'string', s: value.text });
    };
  } else if (isPlainObject(filter)) {
    const alternatives = fields(filter, '', '', false, fail);
    const wanted = new Set<string>();
    for (const alternative of alternatives) {
      const seen = new Set<string>();
      for (const field of alternative) {
        if (seen.has(field.path))
          fail(`filter field ${field.label}`, 'is constrained twice in one alternative of $or');
        seen.add(field.path);
        const steps = field.path.split('.');
        for (let i = 1; i <= steps.length; i++) wanted.add(steps.slice(0, i).join('.'));
      }
    }
    matches = (bytes) => {
      const value = decodeValue(bytes, wanted);
      if (value.kind !== 'json') return false;
      const flat = flatten(value.node);
      for (const alternative of alternatives) if (satisfies(alternative, flat)) return true;
      return false;
    };
  } else {
    return fail(
      'filter',
      'must be an object of fields (JSON values) or a list of rules (plain-string values)',
    );
  }
  const pattern = JSON.stringify({ value: filter });
  if (pattern.length > MAX_PATTERN_LENGTH) {
    fail(
      'filter',
      `the pattern is ${pattern.length} characters; Lambda accepts at most ${MAX_PATTERN_LENGTH}`,
    );
  }
  const result: Compiled = { pattern, matches };
  cache.set(filter, result);
  return result;
}

type Fail = (where: string, message: string) => never;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Expands `$or` into alternatives (lists of fields that must all match), as event-ruler compiles it. */
function fields(
  obj: Record<string, unknown>,
  label: string,
  path: string,
  orBranch: boolean,
  fail: Fail,
): FieldTest[][] {
  const keys = Object.keys(obj);
  if (keys.length === 0)
    fail(label ? `filter field ${label}` : 'filter', 'an object of fields cannot be empty');
  let alternatives: FieldTest[][] = [[]];
  for (const key of keys) {
    const value = obj[key];
    const at = label ? `${label}.${key}` : key;
    const where = `filter field ${at}`;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isPlainObject)) {
        fail(where, '$or takes a list of at least two objects of fields');
      }
      const branches = (value as Record<string, unknown>[]).flatMap((branch, i) =>
        fields(branch, `${at}[${i}]`, path, true, fail),
      );
      alternatives = alternatives.flatMap((a) => branches.map((b) => [...a, ...b]));
      if (alternatives.length > MAX_ALTERNATIVES) {
        fail(where, `$or combinations exceed ${MAX_ALTERNATIVES} alternatives`);
      }
      continue;
    }
    if (key === '') fail(where, 'field names cannot be empty');
    // event-ruler joins nested names with ".", so "a.b" and { a: { b } } would be the same field on AWS.
    if (key.includes('.')) fail(where, 'field names cannot contain "." (AWS reads it as nesting)');
    if (orBranch && RESERVED_IN_OR.has(key)) {
      fail(where, `"${key}" is a rule name; inside $or it would turn $or into a plain field on AWS`);
    }
    const fieldPath = path ? `${path}.${key}` : key;
    if (Array.isArray(value)) {
      const { tests, absent } = ruleList(value, false, where, fail);
      const field: FieldTest = { path: fieldPath, label: at, tests, absent };
      alternatives = alternatives.map((a) => [...a, field]);
    } else if (isPlainObject(value)) {
      const nested = fields(value, at, fieldPath, false, fail);
      alternatives = alternatives.flatMap((a) => nested.map((b) => [...a, ...b]));
      if (alternatives.length > MAX_ALTERNATIVES) {
        fail(where, `$or combinations exceed ${MAX_ALTERNATIVES} alternatives`);
      }
    } else {
      fail(where, `must be a list of rules or an object of nested fields, got ${describe(value)}`);
    }
  }
  return alternatives;
}

const ABSENT = Symbol('absent');

function ruleList(
  list: readonly unknown[],
  plain: boolean,
  where: string,
  fail: Fail,
): { tests: LeafTest[]; absent: boolean } {
  if (list.length === 0) fail(where, 'a list of rules cannot be empty');
  const tests: LeafTest[] = [];
  let absent = false;
  for (const item of list) {
    const test = rule(item, plain, where, fail);
    if (test === ABSENT) absent = true;
    else tests.push(test);
  }
  return { tests, absent };
}

function rule(item: unknown, plain: boolean, where: string, fail: Fail): LeafTest | typeof ABSENT {
  const neverString = (what: string): never =>
    fail(where, `${what} can never match a plain-string value (use an object of fields for JSON values)`);
  if (typeof item === 'string') return (l) => l.t === 'string' && l.s === item;
  if (typeof item === 'boolean') {
    if (plain) neverString(String(item));
    return (l) => l.t === 'boolean' && l.b === item;
  }
  if (item === null) {
    if (plain) neverString('null');
    return (l) => l.t === 'null';
  }
  if (typeof item === 'number') {
    if (!Number.isFinite(item)) fail(where, `${item} is not a JSON number`);
    if (plain) neverString(`the number ${item}`);
    // The docs: numbers match by their JSON text, so 300, 300.0 and 3.0e2 differ; the pattern's text is ours.
    const raw = JSON.stringify(item);
    return (l) => l.t === 'number' && l.raw === raw;
  }
  if (Array.isArray(item)) return fail(where, 'a rule cannot be a nested list');
  if (!isPlainObject(item)) return fail(where, `${describe(item)} is not a rule`);
  const keys = Object.keys(item);
  if (keys.length !== 1) {
    return fail(
      where,
      `a rule has exactly one key, got ${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'none'}`,
    );
  }
  const name = keys[0]!;
  const arg = item[name];
  switch (name) {
    case 'prefix':
    case 'suffix':
      return affix(name, arg, where, fail);
    case 'equals-ignore-case': {
      if (typeof arg !== 'string')
        return fail(where, `"equals-ignore-case" takes a string, got ${describe(arg)}`);
      const chars = Array.from(arg);
      return (l) => l.t === 'string' && sameIgnoringCase(l.s, chars, 'all');
    }
    case 'anything-but':
      return anythingBut(arg, plain, where, fail);
    case 'numeric':
      if (plain) neverString('"numeric"');
      return numeric(arg, where, fail);
    case 'exists':
      if (typeof arg !== 'boolean') return fail(where, `"exists" takes true or false, got ${describe(arg)}`);
      if (arg) return () => true;
      if (plain) neverString('{ exists: false }');
      return ABSENT;
    case 'wildcard':
      return fail(where, `"wildcard" ${EVENT_BUS_ONLY}`);
    case 'cidr':
      return fail(where, '"cidr" (IP address matching) is not among Lambda event filtering operators');
    default:
      return fail(where, `unknown rule "${name}" (Lambda supports ${RULES})`);
  }
}

function affix(name: 'prefix' | 'suffix', arg: unknown, where: string, fail: Fail): LeafTest {
  const start = name === 'prefix';
  if (typeof arg === 'string') {
    return start
      ? (l) => l.t === 'string' && l.s.startsWith(arg)
      : (l) => l.t === 'string' && l.s.endsWith(arg);
  }
  if (isPlainObject(arg)) {
    const keys = Object.keys(arg);
    const text = arg['equals-ignore-case'];
    if (keys.length === 1 && typeof text === 'string') {
      const chars = Array.from(text);
      return (l) => l.t === 'string' && sameIgnoringCase(l.s, chars, start ? 'start' : 'end');
    }
    if (keys.length === 1 && keys[0] !== 'equals-ignore-case') {
      return fail(where, `unknown "${name}" form "${keys[0]}" (only "equals-ignore-case")`);
    }
  }
  return fail(where, `"${name}" takes a string or { "equals-ignore-case": string }, got ${describe(arg)}`);
}

function anythingBut(arg: unknown, plain: boolean, where: string, fail: Fail): LeafTest {
  if (isPlainObject(arg)) {
    const form =
      Object.keys(arg)
        .map((k) => `"${k}"`)
        .join(', ') || 'an empty object';
    return fail(where, `"anything-but" with ${form} ${EVENT_BUS_ONLY}`);
  }
  const values: readonly unknown[] = Array.isArray(arg) ? arg : [arg];
  if (values.length === 0) return fail(where, '"anything-but" needs at least one value');
  if (values.every((v): v is string => typeof v === 'string')) {
    const excluded = new Set(values);
    // Any other present value matches, numbers, booleans and null included (event-ruler's ByteMachine).
    return (l) => !(l.t === 'string' && excluded.has(l.s));
  }
  if (values.every((v): v is number => typeof v === 'number')) {
    if (plain) fail(where, '"anything-but" numbers can never exclude a plain-string value');
    for (const v of values) comparable(v, where, fail);
    // Compared as numbers (event-ruler's ComparableNumber), so [100] also excludes 100.0.
    const excluded = new Set(values);
    return (l) => !(l.t === 'number' && excluded.has(l.n));
  }
  return fail(
    where,
    '"anything-but" takes strings only or numbers only (no mixing, no booleans, null or objects)',
  );
}

function numeric(arg: unknown, where: string, fail: Fail): LeafTest {
  const form = '["=", n], ["<" | "<=" | ">" | ">=", n] or [">" | ">=", low, "<" | "<=", high]';
  if (!Array.isArray(arg)) return fail(where, `"numeric" takes ${form}, got ${describe(arg)}`);
  const [op1, n1, op2, n2] = arg as unknown[];
  const isNumber = (n: unknown): n is number => typeof n === 'number';
  if (arg.length === 2 && isNumber(n1)) {
    const n = comparable(n1, where, fail);
    switch (op1) {
      case '=':
        return inRange(n, false, n, false);
      case '>':
      case '>=':
        return inRange(n, op1 === '>', Infinity, false);
      case '<':
      case '<=':
        return inRange(-Infinity, false, n, op1 === '<');
    }
  }
  if (
    arg.length === 4 &&
    isNumber(n1) &&
    isNumber(n2) &&
    (op1 === '>' || op1 === '>=') &&
    (op2 === '<' || op2 === '<=')
  ) {
    const low = comparable(n1, where, fail);
    const high = comparable(n2, where, fail);
    if (!(low < high))
      fail(where, `"numeric" range [${low}, ${high}] is empty: the low bound must be below the high one`);
    return inRange(low, op1 === '>', high, op2 === '<');
  }
  return fail(where, `"numeric" takes ${form}, got ${JSON.stringify(arg)}`);
}

function inRange(low: number, openLow: boolean, high: number, openHigh: boolean): LeafTest {
  return (l) =>
    l.t === 'number' &&
    Number.isFinite(l.n) &&
    (openLow ? l.n > low : l.n >= low) &&
    (openHigh ? l.n < high : l.n <= high);
}

/** A number numeric matching can compare on AWS (see NUMERIC_LIMIT). */
function comparable(n: number, where: string, fail: Fail): number {
  if (!Number.isFinite(n)) fail(where, `${n} is not a JSON number`);
  if (Math.abs(n) > NUMERIC_LIMIT) fail(where, `${n} is outside numeric matching's range -5e9..5e9`);
  if (decimals(n) > NUMERIC_DECIMALS) fail(where, `${n} has more than ${NUMERIC_DECIMALS} decimal places`);
  return n;
}

function decimals(n: number): number {
  const [mantissa = '', exponent = '0'] = String(Math.abs(n)).split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
}

function describe(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (typeof x === 'bigint') return `the bigint ${x}`;
  if (typeof x === 'object' && x !== null && !Array.isArray(x) && !isPlainObject(x))
    return 'a class instance';
  return JSON.stringify(x) ?? typeof x;
}

/** Code point by code point, equal if either lower or upper case forms agree (event-ruler's ignore-case parser). */
function sameIgnoringCase(
  value: string,
  pattern: readonly string[],
  where: 'all' | 'start' | 'end',
): boolean {
  const chars = Array.from(value);
  if (where === 'all' ? chars.length !== pattern.length : chars.length < pattern.length) return false;
  const offset = where === 'end' ? chars.length - pattern.length : 0;
  return pattern.every((p, i) => {
    const c = chars[offset + i]!;
    return c === p || c.toLowerCase() === p.toLowerCase() || c.toUpperCase() === p.toUpperCase();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Matching an object of fields against a JSON value
// ---------------------------------------------------------------------------------------------------------------

interface Entry {
  readonly leaf: Leaf;
  /** [arrayId, index, arrayId, index, ...]: which element of which array the leaf sits in. */
  readonly arrays: readonly number[];
}

/**
 * The (pruned) value's leaves by dotted path, as event-ruler flattens an event: arrays are "crushed" (an array's elements
 * are values of the field holding it), objects and empty arrays are not leaves, so `exists` sees leaves only.
 */
function flatten(root: JsonNode): Map<string, Entry[]> {
  const out = new Map<string, Entry[]>();
  collect(root, '', [], out, { next: 0 });
  return out;
}

function collect(
  node: JsonNode,
  path: string,
  arrays: readonly number[],
  out: Map<string, Entry[]>,
  ids: { next: number },
): void {
  if (node.t === 'object') {
    for (const [key, child] of node.entries)
      collect(child, path === '' ? key : `${path}.${key}`, arrays, out, ids);
  } else if (node.t === 'array') {
    const id = ids.next++;
    for (let i = 0; i < node.items.length; i++) collect(node.items[i]!, path, [...arrays, id, i], out, ids);
  } else if (path !== '') {
    const entries = out.get(path);
    if (entries) entries.push({ leaf: node, arrays });
    else out.set(path, [{ leaf: node, arrays }]);
  }
}

/**
 * Every field matches, with the leaves chosen from the same element of any array they share (event-ruler's
 * array-consistent matching). `exists: false` holds when the field has no leaf anywhere in the value.
 */
function satisfies(
  alternative: readonly FieldTest[],
  flat: ReadonlyMap<string, readonly Entry[]>,
  from = 0,
  chosen = new Map<number, number>(),
): boolean {
  const field = alternative[from];
  if (!field) return true;
  const entries = flat.get(field.path);
  if (!entries) return field.absent && satisfies(alternative, flat, from + 1, chosen);
  for (const entry of entries) {
    if (!passes(field.tests, entry.leaf)) continue;
    const bound = bind(chosen, entry.arrays);
    if (!bound) continue;
    if (satisfies(alternative, flat, from + 1, chosen)) return true;
    for (const id of bound) chosen.delete(id);
  }
  return false;
}

function passes(tests: readonly LeafTest[], leaf: Leaf): boolean {
  for (const test of tests) if (test(leaf)) return true;
  return false;
}

function bind(chosen: Map<number, number>, arrays: readonly number[]): number[] | undefined {
  const added: number[] = [];
  for (let k = 0; k < arrays.length; k += 2) {
    const id = arrays[k]!;
    const index = arrays[k + 1]!;
    const had = chosen.get(id);
    if (had === undefined) {
      chosen.set(id, index);
      added.push(id);
    } else if (had !== index) {
      for (const a of added) chosen.delete(a);
      return undefined;
    }
  }
  return added;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding a record value as Lambda does: UTF-8, then JSON if it parses, else a plain string
// ---------------------------------------------------------------------------------------------------------------

type JsonNode =
  | Leaf
  | { readonly t: 'array'; readonly items: readonly JsonNode[] }
  | { readonly t: 'object'; readonly entries: ReadonlyMap<string, JsonNode> };

type Decoded =
  | { readonly kind: 'json'; readonly node: JsonNode }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'none' };

const NONE: Decoded = { kind: 'none' };
const NOTHING_WANTED: ReadonlySet<string> = new Set();
// fatal: bytes that are not UTF-8 are not decoded at all; ignoreBOM: a BOM stays a character, so it is not JSON.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `wanted`: the dotted paths the filter reads; the rest of a JSON value is checked but not built. */
function decodeValue(bytes: Buffer | null, wanted: ReadonlySet<string> = NOTHING_WANTED): Decoded {
  if (bytes === null) return NONE;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return NONE;
  }
  try {
    return { kind: 'json', node: parseJson(text, wanted) };
  } catch (error) {
    return error instanceof NotJson ? { kind: 'text', text } : NONE;
  }
}

class NotJson extends Error {}
class TooDeep extends Error {}

/** Deeper values are not evaluated (they match nothing) rather than overflowing the stack. */
const MAX_DEPTH = 512;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Strict JSON, accepting exactly what JSON.parse accepts (the last of duplicate keys wins), that keeps each
 * number's source text for exact number matching. Only object members on `wanted` paths are built.
 */
function parseJson(text: string, wanted: ReadonlySet<string>): JsonNode {
  const reader = new JsonReader(text, wanted);
  const node = reader.value(0, '') ?? reader.bad();
  reader.space();
  if (reader.i !== text.length) reader.bad();
  return node;
}

/** A class rather than closures: no functions are created per record. */
class JsonReader {
  i = 0;

  constructor(
    private readonly text: string,
    private readonly wanted: ReadonlySet<string>,
  ) {}

  bad(): never {
    throw new NotJson(`not JSON at position ${this.i}`);
  }

  space(): void {
    const { text } = this;
    let c = text.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++this.i);
  }

  /** `path`: where the value sits ('' for the root), or null when the filter reads nothing in it. */
  value(depth: number, path: string | null): JsonNode | undefined {
    if (depth > MAX_DEPTH) throw new TooDeep();
    this.space();
    const { text } = this;
    switch (text.charCodeAt(this.i)) {
      case 0x7b:
        return this.object(depth, path);
      case 0x5b:
        return this.array(depth, path);
      case 0x22: {
        const s = this.string(path !== null);
        return path === null ? undefined : { t: 'string', s };
      }
      case 0x74:
        return this.literal('true', path === null ? undefined : { t: 'boolean', b: true });
      case 0x66:
        return this.literal('false', path === null ? undefined : { t: 'boolean', b: false });
      case 0x6e:
        return this.literal('null', path === null ? undefined : { t: 'null' });
      default: {
        const begin = this.i;
        this.number();
        if (path === null) return undefined;
        const raw = text.slice(begin, this.i);
        return { t: 'number', raw, n: Number(raw) };
      }
    }
  }

  private object(depth: number, path: string | null): JsonNode | undefined {
    const { text, wanted } = this;
    const entries = new Map<string, JsonNode>();
    this.i++;
    this.space();
    if (text.charCodeAt(this.i) === 0x7d) {
      this.i++;
    } else {
      for (;;) {
        this.space();
        if (text.charCodeAt(this.i) !== 0x22) this.bad();
        const key = this.string(path !== null);
        this.space();
        if (text.charCodeAt(this.i++) !== 0x3a) this.bad();
        const child = path === null ? null : path === '' ? key : `${path}.${key}`;
        const node = this.value(depth + 1, child !== null && wanted.has(child) ? child : null);
        if (node) entries.set(key, node);
        this.space();
        const c = text.charCodeAt(this.i++);
        if (c === 0x7d) break;
        if (c !== 0x2c) this.bad();
      }
    }
    return path === null ? undefined : { t: 'object', entries };
  }

  private array(depth: number, path: string | null): JsonNode | undefined {
    const { text } = this;
    const items: JsonNode[] = [];
    this.i++;
    this.space();
    if (text.charCodeAt(this.i) === 0x5d) {
      this.i++;
    } else {
      for (;;) {
        const node = this.value(depth + 1, path);
        if (node) items.push(node);
        this.space();
        const c = text.charCodeAt(this.i++);
        if (c === 0x5d) break;
        if (c !== 0x2c) this.bad();
      }
    }
    return path === null ? undefined : { t: 'array', items };
  }

  /** At an opening quote; returns the decoded string, or '' when `decode` is false (checked only). */
  private string(decode: boolean): string {
    const { text } = this;
    let out = '';
    let start = ++this.i;
    for (;;) {
      let c = text.charCodeAt(this.i);
      // Plain characters: anything but a quote, a backslash or a raw control character (not allowed in JSON).
      while (c !== 0x22 && c !== 0x5c && c >= 0x20) c = text.charCodeAt(++this.i);
      if (c === 0x22) {
        if (decode) out += text.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c !== 0x5c) return this.bad(); // a control character, or the end of the text (NaN)
      if (decode) out += text.slice(start, this.i);
      if (text.charCodeAt(this.i + 1) === 0x75) {
        const hex = text.slice(this.i + 2, this.i + 6);
        if (!HEX4.test(hex)) this.bad();
        if (decode) out += String.fromCharCode(parseInt(hex, 16));
        this.i += 6;
      } else {
        const escaped = ESCAPES[text.charAt(this.i + 1)];
        if (escaped === undefined) this.bad();
        if (decode) out += escaped;
        this.i += 2;
      }
      start = this.i;
    }
  }

  private literal(word: string, node: JsonNode | undefined): JsonNode | undefined {
    if (!this.text.startsWith(word, this.i)) this.bad();
    this.i += word.length;
    return node;
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private number(): void {
    const { text } = this;
    if (text.charCodeAt(this.i) === 0x2d) this.i++;
    if (text.charCodeAt(this.i) === 0x30) this.i++;
    else this.digits();
    if (text.charCodeAt(this.i) === 0x2e) {
      this.i++;
      this.digits();
    }
    const e = text.charCodeAt(this.i);
    if (e === 0x65 || e === 0x45) {
      const sign = text.charCodeAt(++this.i);
      if (sign === 0x2b || sign === 0x2d) this.i++;
      this.digits();
    }
  }

  /** One or more decimal digits. */
  private digits(): void {
    const begin = this.i;
    let c = this.text.charCodeAt(this.i);
    while (c >= 0x30 && c <= 0x39) c = this.text.charCodeAt(++this.i);
    if (this.i === begin) this.bad();
  }
}
