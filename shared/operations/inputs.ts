/**
 * Checks what a request carries before anything reads or writes: every error names the field and what it accepts,
 * and a request that fails here has changed nothing. The operations function parses its payload with
 * `parseRequest`; the tools check their arguments with the same functions, so both paths refuse alike.
 */
import type { FailureKind } from '../lambda/dead-letter';
import {
  badRequest,
  OperationsError,
  PROTOCOL_VERSION,
  type BrowseQuery,
  type DeadLetterQuery,
  type OperationsRequest,
  type PublishRecord,
} from './protocol';

const FAILURE_KINDS: readonly FailureKind[] = ['decode', 'schema', 'handler'];
/** `<dead-letter topic>/<partition>/<offset>`, with Kafka's topic name characters. */
const LETTER_ID = /^[a-zA-Z0-9._-]{1,249}\/\d+\/\d+$/;

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optionalText(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`${field} must be text, got ${typeof value}`);
  return value;
}

export function requiredText(field: string, value: unknown): string {
  const text = optionalText(field, value);
  if (text === undefined) throw badRequest(`${field} is required`);
  return text;
}

export function optionalInt(
  field: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max)
    throw badRequest(`${field} must be an integer from 0 to ${max}, got ${JSON.stringify(value)}`);
  return value;
}

export function optionalDate(field: string, value: unknown): Date | undefined {
  const text = optionalText(field, value);
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw badRequest(`${field} must be a date (ISO 8601, e.g. 2026-11-25T10:00:00Z), got "${text}"`);
  return date;
}

export function optionalKind(field: string, value: unknown): FailureKind | undefined {
  const text = optionalText(field, value);
  if (text === undefined) return undefined;
  if (!(FAILURE_KINDS as readonly string[]).includes(text))
    throw badRequest(`${field} must be one of ${FAILURE_KINDS.join(', ')}, got "${text}"`);
  return text as FailureKind;
}

/** Dead-letter ids as listed: `<dead-letter topic>/<partition>/<offset>`. */
export function letterIds(field: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((v) => typeof v === 'string' && LETTER_ID.test(v))
  )
    throw badRequest(
      `${field} must be a non-empty list of dead-letter ids like "<topic>/<partition>/<offset>"`,
    );
  return value as string[];
}

export function letterId(field: string, value: unknown): string {
  const id = requiredText(field, value);
  if (!LETTER_ID.test(id))
    throw badRequest(`${field} must be a dead-letter id like "<topic>/<partition>/<offset>", got "${id}"`);
  return id;
}

function only(what: string, value: Fields, allowed: readonly string[]): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw badRequest(`${what}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
}

function object(field: string, value: unknown): Fields | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw badRequest(`${field} must be an object`);
  return value;
}

/** A dead-letter filter with its fields checked (dates parse, kind is known, ids are ids). */
export function deadLetterQuery(field: string, value: unknown): DeadLetterQuery {
  const q = object(field, value);
  if (!q) return {};
  only(field, q, ['since', 'until', 'error', 'kind', 'ids']);
  const since = optionalDate(`${field}.since`, q.since);
  const until = optionalDate(`${field}.until`, q.until);
  const error = optionalText(`${field}.error`, q.error);
  const kind = optionalKind(`${field}.kind`, q.kind);
  const ids = letterIds(`${field}.ids`, q.ids);
  return {
    ...(since && { since: since.toISOString() }),
    ...(until && { until: until.toISOString() }),
    ...(error !== undefined && { error }),
    ...(kind && { kind }),
    ...(ids && { ids }),
  };
}

export const BROWSE_LIMIT = 500;

function browseQuery(field: string, value: unknown): BrowseQuery {
  const q = object(field, value);
  if (!q) return {};
  only(field, q, ['partition', 'offset', 'before', 'key', 'limit']);
  const partition = optionalInt(`${field}.partition`, q.partition);
  const offset = optionalInt(`${field}.offset`, q.offset);
  const before = optionalDate(`${field}.before`, q.before);
  const key = optionalText(`${field}.key`, q.key);
  const limit = optionalInt(`${field}.limit`, q.limit, BROWSE_LIMIT);
  if (limit === 0) throw badRequest(`${field}.limit must be an integer from 1 to ${BROWSE_LIMIT}, got 0`);
  return {
    ...(partition !== undefined && { partition }),
    ...(offset !== undefined && { offset }),
    ...(before && { before: before.toISOString() }),
    ...(key !== undefined && { key }),
    ...(limit !== undefined && { limit }),
  };
}

function publishRecords(value: unknown): PublishRecord[] {
  if (!Array.isArray(value) || value.length === 0)
    throw badRequest('records must be a non-empty list of { value, key?, headers? }');
  return value.map((r: unknown, i) => {
    const field = `records[${i}]`;
    if (!isObject(r) || !('value' in r)) throw badRequest(`${field} must be an object with a value`);
    only(field, r, ['value', 'key', 'headers']);
    const key = optionalText(`${field}.key`, r.key);
    const headers = object(`${field}.headers`, r.headers);
    for (const [name, v] of Object.entries(headers ?? {}))
      if (typeof v !== 'string') throw badRequest(`${field}.headers.${name} must be text`);
    return {
      value: r.value,
      ...(key !== undefined && { key }),
      ...(headers && { headers: headers as Record<string, string> }),
    };
  });
}

/** A request from JSON: the version, the action and every argument checked; unknown fields are refused. */
export function parseRequest(body: unknown): OperationsRequest {
  if (!isObject(body)) throw badRequest('the request must be a JSON object with "v" and "action"');
  if (body.v !== PROTOCOL_VERSION)
    throw new OperationsError(
      'unsupported',
      `protocol version ${JSON.stringify(body.v)} is not spoken here (this function speaks ${PROTOCOL_VERSION}): use a kafka-lambda CLI of the same version as the deployed stack`,
    );
  const v = PROTOCOL_VERSION;
  const action = requiredText('action', body.action);
  const fields = (...names: string[]): void => only(`action ${action}`, body, ['v', 'action', ...names]);
  switch (action) {
    case 'describe':
    case 'topics':
      fields();
      return { v, action };
    case 'browse': {
      fields('topic', 'query', 'pageToken');
      const pageToken = optionalText('pageToken', body.pageToken);
      return {
        v,
        action,
        topic: requiredText('topic', body.topic),
        query: browseQuery('query', body.query),
        ...(pageToken && { pageToken }),
      };
    }
    case 'read': {
      fields('topic', 'from', 'pageToken', 'limit');
      const from = optionalText('from', body.from);
      if (from !== undefined && from !== 'beginning' && from !== 'end')
        throw badRequest(`from must be "beginning" or "end", got "${from}"`);
      const pageToken = optionalText('pageToken', body.pageToken);
      const limit = optionalInt('limit', body.limit);
      return {
        v,
        action,
        topic: requiredText('topic', body.topic),
        ...(from && { from }),
        ...(pageToken && { pageToken }),
        ...(limit !== undefined && { limit }),
      };
    }
    case 'groups': {
      fields('handlers');
      const handlers = body.handlers;
      if (
        handlers !== undefined &&
        (!Array.isArray(handlers) || !handlers.every((h) => typeof h === 'string'))
      )
        throw badRequest('handlers must be a list of handler names');
      return { v, action, ...(handlers !== undefined && { handlers: handlers as string[] }) };
    }
    case 'dead-letters': {
      fields('handler', 'filter', 'pageToken');
      const pageToken = optionalText('pageToken', body.pageToken);
      return {
        v,
        action,
        handler: requiredText('handler', body.handler),
        filter: deadLetterQuery('filter', body.filter),
        ...(pageToken && { pageToken }),
      };
    }
    case 'dead-letter':
      fields('id');
      return { v, action, id: letterId('id', body.id) };
    case 'replay': {
      fields('handler', 'filter', 'dryRun');
      if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean')
        throw badRequest('dryRun must be true or false');
      return {
        v,
        action,
        handler: requiredText('handler', body.handler),
        filter: deadLetterQuery('filter', body.filter),
        ...(body.dryRun === true && { dryRun: true }),
      };
    }
    case 'publish':
      fields('topic', 'records');
      return { v, action, topic: requiredText('topic', body.topic), records: publishRecords(body.records) };
    default:
      throw badRequest(
        `unknown action "${action}": one of describe, topics, browse, read, groups, dead-letters, dead-letter, replay, publish`,
      );
  }
}
