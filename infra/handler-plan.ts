import { carriesKafkaClient, externalModules } from '../shared/declarations/bundling';
import { deadLetterTopics } from '../shared/lambda/dead-letter';
import { eventSourcesOf, type HandlerSpec } from '../shared/declarations/handler';
import { topicsOf } from '../shared/declarations/topic';

export { KAFKA_CLIENT_MODULES } from '../shared/declarations/bundling';

/** One event source mapping: MSK accepts exactly one topic per mapping. */
export interface EventSourcePlan {
  readonly topic: string;
  readonly consumerGroupId: string;
}

/** Everything infra derives from one handler declaration, as plain data (no CDK), so it can be tested alone. */
export interface HandlerPlan {
  readonly name: string;
  readonly eventSources: readonly EventSourcePlan[];
  /** Topics it reads: exactly its declared source topics. */
  readonly readTopics: readonly string[];
  /** Consumer groups its event source mappings commit to. */
  readonly groups: readonly string[];
  /** Topics it writes: the declared `publishes` topics and its dead-letter topics. */
  readonly writeTopics: readonly string[];
  /** Whether its bundle needs the Kafka client (kafkajs + the IAM signer). */
  readonly carriesKafkaClient: boolean;
  /** Packages left out of its bundle: the clients it never loads. */
  readonly externalModules: readonly string[];
}

const unique = (names: readonly string[]): string[] => [...new Set(names)].sort();

export function planHandler(spec: HandlerSpec): HandlerPlan {
  const eventSources = eventSourcesOf(spec).map((source) => ({
    topic: source.topic.name,
    consumerGroupId: source.group,
  }));
  const published = spec.publishes.flatMap(topicsOf).map((t) => t.name);
  const deadLetters = deadLetterTopics(spec).map((t) => t.name);
  const writeTopics = unique([...published, ...deadLetters]);
  return {
    name: spec.name,
    eventSources,
    readTopics: unique(spec.topics.map((t) => t.name)),
    groups: unique(eventSources.map((e) => e.consumerGroupId)),
    writeTopics,
    carriesKafkaClient: carriesKafkaClient(spec),
    externalModules: externalModules(spec),
  };
}
