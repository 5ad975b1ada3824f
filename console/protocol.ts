/** What the console's server sends its page: types only, shared by console/server.ts and console/page. */
import type { DeadLetterView, GroupView, RecordView, TopicView } from '../shared/operations';
export type { FollowedTrace, FollowTarget, TraceNode } from '../shared/emulator';

export type { DeadLetterView as LetterView, GroupView, RecordView, TopicView };
export type { Description, RecordPage, ReplayOutcome as ReplayView } from '../shared/operations';

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
  /** The function's own metrics documents summed up; null where there are none (a stack's figures). */
  metrics: MetricsView | null;
  /** Running totals; null where the console cannot know it (a stack's, read from committed offsets only). */
  counts: {
    handled: number | null;
    deadLettered: number | null;
    retries: number | null;
    filtered: number | null;
    invocationErrors: number | null;
    timeouts: number | null;
    reportedFailures: number | null;
    discarded: number | null;
  };
  /** Records handled (locally) or committed (on a stack) per second, one sample per tick: [epoch seconds, rate]. */
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
  /** What the console shows: `cluster 127.0.0.1:9092`, `stack KafkaLambda (account 123456789012, eu-west-1)`. */
  target: string;
  /** `local`: the emulator's own counters; `offsets`: figures derived from the groups' committed offsets. */
  figures: 'local' | 'offsets';
  handlers: HandlerView[];
  reloads: ReloadView[];
  /** Why the figures could not be read at the last try; absent when they could. */
  kafkaError?: string;
}

/** The header every state-changing request carries the page's token in. */
export const TOKEN_HEADER = 'x-console-token';
