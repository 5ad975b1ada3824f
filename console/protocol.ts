/** What the console's server sends its page: types only, shared by console/server.ts and console/page. */
import type {
  BrowsedRecord,
  GroupStatus,
  LetterInfo,
  PartitionPlacement,
  TopicStatus,
} from '../shared/emulator';

/** A declared topic against the cluster, each partition with its log start and end offsets. */
export interface TopicView extends Omit<TopicStatus, 'partitions'> {
  partitions: (PartitionPlacement & { low: number; end: number })[];
}

/** A topic's record as browsed: decoded and validated, or the reason it does not. */
export type RecordView = BrowsedRecord;

export type GroupView = GroupStatus;

/** A dead letter (or a record the mapping sent to a Kafka destination) as listed: key, value and headers as text. */
export interface LetterView {
  id: string;
  info: Omit<LetterInfo, 'failedAt'> & { failedAt: string };
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

export interface HandlerView {
  name: string;
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
