import { deadLetterTopics } from '../shared/lambda/dead-letter';
import { eventSourcesOf, type HandlerSpec } from '../shared/declarations/handler';
import { topicsOf } from '../shared/declarations/topic';

/** Packages the framework loads only on first publish; a handler that never publishes ships without them. */
export const KAFKA_CLIENT_MODULES = ['kafkajs', 'aws-msk-iam-sasl-signer-js'] as const;

/** The DynamoDB client, loaded only by handlers that declare tables; the others ship without it. */
export const DYNAMODB_CLIENT_MODULES = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'] as const;

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
  /** Tables it declares (their names in its environment, and grants on them only). */
  readonly tables: readonly string[];
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
    carriesKafkaClient: spec.publishes.length > 0 || spec.deadLetter !== false,
    tables: spec.tables.map((t) => t.name),
  };
}
