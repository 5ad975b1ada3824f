import type { Admin } from 'kafkajs';
import { retriable } from '../kafka/retriable';

/** How far one consumer group is behind on one partition. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** The group's committed offset; null when it has committed nothing there yet. */
  committed: number | null;
  /** The log start offset: where a group with no commit begins (startingPosition earliest). */
  low: number;
  /** The log end offset (high watermark). */
  end: number;
  /** Records between the committed offset (or the log start) and the end. */
  lag: number;
}

/** A group's lag on every partition of a topic, from its committed offsets and the partitions' end offsets. */
export async function partitionLag(admin: Admin, group: string, topic: string): Promise<PartitionLag[]> {
  const committed = await retriable(() => admin.fetchOffsets({ groupId: group, topics: [topic] }));
  const ends = await admin.fetchTopicOffsets(topic);
  return ends
    .map((end) => {
      const c = committed[0]?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      const at = c === '-1' ? null : Number(c);
      const low = Number(end.low);
      const high = Number(end.high);
      return { topic, partition: end.partition, committed: at, low, end: high, lag: high - (at ?? low) };
    })
    .sort((a, b) => a.partition - b.partition);
}

export const totalLag = (rows: readonly PartitionLag[]): number => rows.reduce((sum, r) => sum + r.lag, 0);
