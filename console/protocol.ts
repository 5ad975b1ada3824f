/** What the console's server sends its page: types only, shared by console/server.ts and console/page. */
import type {
  BrowsedRecord,
  DeadLetterInfo,
  GroupStatus,
  PartitionPlacement,
  TopicStatus,
} from '../shared/emulator';
export type { FollowedTrace, TraceNode } from '../shared/emulator';

/** A declared topic against the cluster, each partition with its log start and end offsets. */
export interface TopicView extends Omit<TopicStatus, 'partitions'> {
  partitions: (PartitionPlacement & { low: number; end: number })[];
}

/** A topic's record as browsed: decoded and validated, or the reason it does not. */
export type RecordView = BrowsedRecord;

export type GroupView = GroupStatus;

/** A dead letter as listed: key, value and header values as text. */
export interface LetterView {
  id: string;
  info: Omit<DeadLetterInfo, 'failedAt'> & { failedAt: string };
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

export interface ReplayView {
  replayed: number;
  skipped: number;
}

export interface FailureView {
  at: string;
  kind: string;
  topic?: string;
  partition?: number;
  offset?: number;
  reason: string;
}

export interface LagView {
  topic: string;
  partition: number;
  committed: number | null;
  end: number;
  lag: number;
}

/** What the function's metrics documents (EMF, one per invocation and topic) said, summed up. */
export interface MetricsView {
  documents: number;
  /** Each count metric (RecordsReceived, RecordsFailedDecode, ...) summed over the documents. */
  totals: Record<string, number>;
  /** The latest document's figures. */
  latest?: {
    at: string;
    recordAgeMaxMs?: number;
    recordAgeP50Ms?: number;
    durationMs: number;
    batchSize: number;
  };
}

export interface HandlerView {
  name: string;
  metrics: MetricsView;
  counts: {
    handled: number;
    deadLettered: number;
    retries: number;
    filtered: number;
    invocationErrors: number;
    timeouts: number;
    reportedFailures: number;
    discarded: number;
  };
  /** Records handled per second, one sample per tick: [epoch seconds, rate]. */
  rates: [number, number][];
  lag: LagView[];
  recent: FailureView[];
}

export interface ReloadView {
  at: string;
  file: string;
  failures: { handler: string; error: string }[];
}

/** One server-sent update. */
export interface Snapshot {
  at: string;
  handlers: HandlerView[];
  reloads: ReloadView[];
  /** Why lag could not be read from Kafka at the last try; absent when it could. */
  kafkaError?: string;
}

/** The header every state-changing request carries the page's token in. */
export const TOKEN_HEADER = 'x-console-token';
