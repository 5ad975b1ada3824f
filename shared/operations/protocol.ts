/**
 * The operations protocol: what the cluster tools take and answer, as JSON. The operations function reads these
 * requests from a Lambda Invoke payload and answers with these responses; the local tools take the same requests
 * in-process. Everything here is plain data (dates as ISO 8601 text, bytes as UTF-8 text), so both paths return
 * exactly the same thing. A request names the protocol version it speaks; the function refuses another.
 */
import type { DeadLetterInfo, FailureKind } from '../lambda/dead-letter';
import type { PartitionLag } from './lag';

export const PROTOCOL_VERSION = 1;

/** A dead-letter filter: every given condition must hold. */
export interface DeadLetterQuery {
  /** Failed at or after (ISO 8601). */
  since?: string;
  /** Failed at or before (ISO 8601). */
  until?: string;
  /** Substring of the error message. */
  error?: string;
  kind?: FailureKind;
  /** Only these dead letters, by id (`<dead-letter topic>/<partition>/<offset>`). */
  ids?: string[];
}

/** Newest records first; each condition narrows them. */
export interface BrowseQuery {
  partition?: number;
  /** At or before this offset. */
  offset?: number;
  /** Written at or before this time (ISO 8601). */
  before?: string;
  /** With this key (read from the one partition the key goes to). */
  key?: string;
  /** @default 50, at most 500 */
  limit?: number;
}

export type OperationsRequest = { v: number } & (
  | { action: 'describe' }
  | { action: 'topics' }
  | { action: 'browse'; topic: string; query?: BrowseQuery; pageToken?: string }
  /** Oldest first from where `from` or the page token says, up to the topic's end at the time of the request. */
  | { action: 'read'; topic: string; from?: 'beginning' | 'end'; pageToken?: string; limit?: number }
  | { action: 'groups'; handlers?: string[] }
  | { action: 'dead-letters'; handler: string; filter?: DeadLetterQuery; pageToken?: string }
  | { action: 'dead-letter'; id: string }
  /** `dryRun`: count what would be replayed, invoke nothing. */
  | { action: 'replay'; handler: string; filter?: DeadLetterQuery; dryRun?: boolean }
  | { action: 'publish'; topic: string; records: PublishRecord[] }
);

export type Action = OperationsRequest['action'];

/** A record to publish: validated against the topic's schema, keyed as declared unless `key` is given. */
export interface PublishRecord {
  value: unknown;
  key?: string;
  headers?: Record<string, string>;
}

export interface HandlerSummary {
  name: string;
  group: string;
  eventSources: { topic: string; group: string }[];
  deadLetterTopics: string[];
  /** Dead letters kept in its dead-letter topics now. */
  deadLetters: number;
}

export interface Description {
  handlers: HandlerSummary[];
  /** Every declared topic (dead-letter topics included) with its declared partitions. */
  topics: { name: string; partitions: number }[];
  /** The most records one replay or publish request may carry. */
  maxRecordsPerRequest: number;
}

export interface TopicShape {
  partitions: number;
  replication: number;
}

/** One partition as the cluster's metadata describes it. */
export interface PartitionPlacement {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/**
 * A declared topic against the cluster, as the topic reconciler sees it (shared/kafka/topic-reconcile.ts): `ok`,
 * `missing`, or `drift` when its partitions, replication or configs differ from the declaration.
 */
export interface TopicStatus {
  name: string;
  state: 'ok' | 'missing' | 'drift';
  /** As declared, with the replication fitted to the cluster's broker count (as the emulator creates it). */
  declared: TopicShape;
  /** As found in the cluster; absent when missing. */
  actual?: TopicShape;
  /** Every difference, each saying whether the next alignment fixes it. @default - none */
  reasons?: string[];
  partitions: PartitionPlacement[];
}

/** A declared topic against the cluster, each partition with its log start and end offsets. */
export interface TopicView extends Omit<TopicStatus, 'partitions'> {
  partitions: (PartitionPlacement & { low: number; end: number })[];
}

/** A topic's record, decoded and validated as a handler would; an invalid one with why. */
export interface RecordView {
  partition: number;
  offset: number;
  timestamp: string;
  key: string | null;
  headers: Record<string, string>;
  /** The decoded value when it decodes and validates, else the value's text. */
  value: unknown;
  /** Why the value does not decode or validate (the reason a handler would dead-letter it for). */
  problem?: string;
}

export interface RecordPage {
  records: RecordView[];
  /** Continues where this page stopped; absent when there is nothing more. */
  nextPageToken?: string;
}

export interface ReadPage extends RecordPage {
  /** Where the next read continues (present even at the end, to follow the topic). */
  nextPageToken: string;
  /** Whether the read reached the topic's end as of the request. */
  atEnd: boolean;
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  host: string;
  /** Partitions assigned to this member, by topic. */
  assignment: Record<string, number[]>;
}

/** One event source mapping's consumer group: its state, members and where it stands on each partition. */
export interface GroupView {
  handler: string;
  group: string;
  topic: string;
  state: string;
  members: GroupMember[];
  partitions: PartitionLag[];
}

/** What a dead letter's headers say, with its time as ISO 8601 text. */
export type DeadLetterInfoView = Omit<DeadLetterInfo, 'failedAt'> & { failedAt: string };

/** A dead letter: what its headers say, and the original record (key, value and header values as text). */
export interface DeadLetterView {
  id: string;
  info: DeadLetterInfoView;
  original: {
    topic: string;
    partition: number;
    offset: number;
    timestamp: number;
    key: string | null;
    value: string | null;
    headers: { key: string; value: string | null }[];
  };
}

export interface DeadLetterPage {
  letters: DeadLetterView[];
  nextPageToken?: string;
}

export interface ReplayOutcome {
  /** Dead letters invoked and written to the ledger (none on a dry run). */
  replayed: number;
  /** Matching dead letters the ledger says were replayed before. */
  skipped: number;
  /** On a dry run: how many a replay would invoke. */
  wouldReplay?: number;
  /** On a dry run: which (ids as listed); a replay filtered by them invokes exactly these. */
  ids?: string[];
}

export interface PublishOutcome {
  published: number;
}

/** What each action answers. */
export interface Results {
  describe: Description;
  topics: TopicView[];
  browse: RecordPage;
  read: ReadPage;
  groups: GroupView[];
  'dead-letters': DeadLetterPage;
  'dead-letter': DeadLetterView;
  replay: ReplayOutcome;
  publish: PublishOutcome;
}

/**
 * Why a request failed: `bad-request` (an argument is wrong; the message names it), `not-found` (no such handler,
 * topic or dead letter), `too-many` (more records than one request may carry), `unsupported` (another protocol
 * version), `failed` (Kafka or a function failed; nothing the request said was wrong).
 */
export type ErrorCode = 'bad-request' | 'not-found' | 'too-many' | 'unsupported' | 'failed';

export type OperationsResponse =
  | { v: number; ok: true; result: unknown }
  | { v: number; ok: false; error: { code: ErrorCode; message: string } };

/** A failure the tools report on purpose, with its code; the same locally and from the function. */
export class OperationsError extends Error {
  override name = 'OperationsError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): OperationsError => new OperationsError('bad-request', message);
