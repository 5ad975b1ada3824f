import type { ICustomPartitioner, Message, PartitionMetadata } from 'kafkajs';
import { partitionForKey } from './partitioner';

/** Where a message was placed, kept on the message so every attempt sends it to the same partition. */
const PLACED = Symbol('kafka-lambda.partition');
/** The single-broker call a message travels in, if any (see SingleBrokerCall). */
const CALL = Symbol('kafka-lambda.call');

export type PlacedMessage = Message & { [PLACED]?: number; [CALL]?: SingleBrokerCall<Outgoing> };

/** A message with its placement slots from the start, so writing them later does not reshape the object. */
export function placedMessage(
  key: Message['key'],
  value: Message['value'],
  headers: Message['headers'],
): PlacedMessage {
  return { key, value, headers, [PLACED]: undefined, [CALL]: undefined };
}

/** Keyed records go where the Java client puts them; unkeyed ones rotate over the partitions. */
class Placement {
  private rotation = Math.floor(Math.random() * 1000);

  place(message: PlacedMessage, partitionCount: number): number {
    const key = message.key;
    message[PLACED] ??=
      key === null || key === undefined
        ? this.rotation++ % partitionCount
        : partitionForKey(key, partitionCount);
    return message[PLACED];
  }
}

const leadersOf = new WeakMap<readonly PartitionMetadata[], Map<number, number>>();

/** The broker leading a partition in this metadata (-1 when it has none); one map per metadata snapshot. */
function leaderOf(metadata: readonly PartitionMetadata[], partition: number): number {
  let leaders = leadersOf.get(metadata);
  if (!leaders) leadersOf.set(metadata, (leaders = new Map(metadata.map((p) => [p.partitionId, p.leader]))));
  return leaders.get(partition) ?? -1;
}

/** A call refused before it sent anything: its partitions are led by more than one broker now. */
export class LeadersMoved extends Error {
  /** kafkajs gives up on an error marked not retriable instead of attempting again. */
  readonly retriable = false;
  constructor(topic: string, partition: number, leader: number, expected: number) {
    super(`${topic}-${partition} is led by broker ${leader}, the rest of this send by broker ${expected}`);
    this.name = 'LeadersMoved';
  }
}

/** A message bound for a topic, as the sink batches them. */
export interface Outgoing {
  topic: string;
  message: PlacedMessage;
}

/**
 * One sendBatch whose every attempt goes to a single broker, or is refused before it sends anything.
 *
 * kafkajs sends an attempt to all the leaders it spans at once and, when one of them fails, attempts again towards
 * those that have not answered, including one whose request is still in flight. That second request waits for the
 * first, then takes fresh sequence numbers for the same records, so the broker writes them twice
 * (test/reliability/producer-failover.test.ts). An attempt that reaches one broker has no request left in flight
 * when it fails, so kafkajs' retry resends the records with the sequence numbers it gave back, and a copy the old
 * leader did write is answered as a duplicate. kafkajs places every message of an attempt, in order, before it
 * sends anything; the partitioner (javaCompatiblePartitioner) reports each placement here.
 */
export class SingleBrokerCall<E extends Outgoing> {
  /** The metadata kafkajs placed with, per topic: what the next split goes by. */
  readonly observed = new Map<string, readonly PartitionMetadata[]>();
  private leader = -1;
  /** The metadata the previous message was placed with: kafkajs passes one array per topic and attempt. */
  private last: readonly PartitionMetadata[] | undefined;

  constructor(readonly entries: readonly E[]) {
    for (const { message } of entries) message[CALL] = this;
  }

  /** The call's messages by topic, in order: kafkajs' first placement of an attempt is the call's first message. */
  topicMessages(): { topic: string; messages: PlacedMessage[] }[] {
    const grouped = new Map<string, PlacedMessage[]>();
    for (const { topic, message } of this.entries) {
      let list = grouped.get(topic);
      if (!list) grouped.set(topic, (list = []));
      list.push(message);
    }
    return [...grouped].map(([topic, messages]) => ({ topic, messages }));
  }

  admit(
    topic: string,
    metadata: readonly PartitionMetadata[],
    message: PlacedMessage,
    partition: number,
  ): void {
    if (metadata !== this.last) this.observed.set(topic, (this.last = metadata));
    const leader = leaderOf(metadata, partition);
    if (message === this.entries[0]?.message)
      this.leader = leader; // a new attempt
    else if (leader !== this.leader) throw new LeadersMoved(topic, partition, leader, this.leader);
  }
}

/** The partition metadata kafkajs last placed with, per topic: how a batch is split into single-broker calls. */
export class Topology {
  private readonly metadata = new Map<string, readonly PartitionMetadata[]>();
  private readonly placement = new Placement();

  learn(call: SingleBrokerCall<Outgoing>): void {
    for (const [topic, metadata] of call.observed) this.metadata.set(topic, metadata);
  }

  /**
   * One call per leader, messages in their order. Messages of a topic not seen yet go together in one call; if
   * they span brokers that call is refused before sending, and by then the topic has been seen.
   */
  split<E extends Outgoing>(entries: readonly E[]): SingleBrokerCall<E>[] {
    const groups = new Map<number | undefined, E[]>();
    for (const entry of entries) {
      const metadata = this.metadata.get(entry.topic);
      const leader = metadata && leaderOf(metadata, this.placement.place(entry.message, metadata.length));
      let group = groups.get(leader);
      if (!group) groups.set(leader, (group = []));
      group.push(entry);
    }
    return [...groups.values()].map((group) => new SingleBrokerCall(group));
  }
}

/** The partitioner every durable producer uses: places once, and holds a SingleBrokerCall to its broker. */
export const javaCompatiblePartitioner: ICustomPartitioner = () => {
  const placement = new Placement();
  return ({ topic, partitionMetadata, message }) => {
    const placed = message as PlacedMessage;
    const partition = placement.place(placed, partitionMetadata.length);
    placed[CALL]?.admit(topic, partitionMetadata, placed, partition);
    return partition;
  };
};
