import type { PartitionMetadata } from 'kafkajs';
import {
  javaCompatiblePartitioner,
  LeadersMoved,
  Topology,
  type Outgoing,
} from '../../shared/kafka/placement';
import { partitionForKey } from '../../shared/kafka/partitioner';

/** Partition metadata as kafkajs hands it to a partitioner: partition i led by leaders[i]. */
const metadataLed = (...leaders: number[]): PartitionMetadata[] =>
  leaders.map((leader, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader,
    replicas: [0, 1, 2],
    isr: [0, 1, 2],
    offlineReplicas: [],
  }));

const outgoing = (topic: string, key: string): Outgoing => ({ topic, message: { key, value: 'v' } });

/** What kafkajs does at the start of an attempt: places every message of the call, in order. */
function attempt(
  partitioner: ReturnType<typeof javaCompatiblePartitioner>,
  metadata: PartitionMetadata[],
  entries: readonly Outgoing[],
): number[] {
  return entries.map(({ topic, message }) => partitioner({ topic, partitionMetadata: metadata, message }));
}

/** Keys whose Java-client partition over `count` partitions is `partition`. */
const keysOn = (partition: number, count: number, n: number): string[] => {
  const keys: string[] = [];
  for (let i = 0; keys.length < n; i++)
    if (partitionForKey(`user-${i}`, count) === partition) keys.push(`user-${i}`);
  return keys;
};

describe('single-broker calls', () => {
  it('splits a batch by the leader of each partition, keeping each leader’s messages in order', () => {
    const topology = new Topology();
    const [onP0, onP1, onP2] = [keysOn(0, 3, 2), keysOn(1, 3, 2), keysOn(2, 3, 2)];
    const entries = [onP0[0]!, onP1[0]!, onP2[0]!, onP0[1]!, onP2[1]!, onP1[1]!].map((k) => outgoing('t', k));

    // Not seen yet: one call, which kafkajs' first attempt shows to span brokers 7 and 8; refused before sending.
    const [first, ...others] = topology.split(entries);
    expect(others).toHaveLength(0);
    const partitioner = javaCompatiblePartitioner();
    expect(() => attempt(partitioner, metadataLed(7, 8, 7), first!.entries)).toThrow(LeadersMoved);
    expect(() => attempt(partitioner, metadataLed(7, 8, 7), first!.entries)).toThrow(
      /t-1 is led by broker 8, the rest of this send by broker 7/,
    );
    topology.learn(first!);

    const calls = topology.split(entries);
    expect(calls.map((c) => c.entries.map((e) => e.message.key))).toEqual([
      [onP0[0], onP2[0], onP0[1], onP2[1]],
      [onP1[0], onP1[1]],
    ]);
    for (const call of calls)
      expect(() => attempt(partitioner, metadataLed(7, 8, 7), call.entries)).not.toThrow();
  });

  it('refuses a retry whose partitions moved to several brokers, and admits one that moved to a single broker', () => {
    const topology = new Topology();
    const partitioner = javaCompatiblePartitioner();
    const entries = [...keysOn(0, 2, 2), ...keysOn(1, 2, 2)].map((k) => outgoing('t', k));
    const [call] = topology.split(entries);
    expect(attempt(partitioner, metadataLed(5, 5), call!.entries)).toEqual([0, 0, 1, 1]); // first attempt: broker 5
    expect(attempt(partitioner, metadataLed(6, 6), call!.entries)).toEqual([0, 0, 1, 1]); // both moved to 6
    expect(() => attempt(partitioner, metadataLed(6, 7), call!.entries)).toThrow(LeadersMoved); // split over 6 and 7
  });

  it('keeps a message where it was first placed, whatever later metadata says', () => {
    const partitioner = javaCompatiblePartitioner();
    const unkeyed: Outgoing = { topic: 't', message: { key: null, value: 'v' } };
    const first = partitioner({
      topic: 't',
      partitionMetadata: metadataLed(1, 1, 1, 1),
      message: unkeyed.message,
    });
    for (let i = 0; i < 5; i++)
      expect(
        partitioner({ topic: 't', partitionMetadata: metadataLed(1, 1, 1, 1), message: unkeyed.message }),
      ).toBe(first);
  });

  it('tells kafkajs not to retry a refused attempt itself', () => {
    expect(new LeadersMoved('t', 1, 2, 3).retriable).toBe(false);
  });
});
