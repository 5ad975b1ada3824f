/**
 * The settled declarations as plain JSON data: everything infra/, the emulator and the tools derive from an
 * application's declarations, without the code in them (handler functions, key functions, schemas). It can be
 * written to a file, sent from a worker that loaded the application, or bundled into a function, and read where
 * running the application's modules is not wanted.
 */
import { carriesKafkaClient, externalModules } from './bundling';
import type { AppManifest, HandlerModule } from './app';
import type { DeploySettings, FailureMode, HandlerSpec, OnFailureDestination } from './handler';
import { mappingSettings, type MappingSettings } from './mapping-settings';
import { topicsOf, type AnyTopic } from './topic';
import type { AnyTable } from './table';
import { deadLetterTopics, onFailureTopics } from '../lambda/dead-letter';
import type { Compatibility } from '../schemas/compatibility-mode';
import { registryVersions, type RegistryVersion } from '../schemas/version-format';

export { KAFKA_CLIENT_MODULES } from './bundling';

/** A concrete topic's settings, as the cluster gets them. */
export interface TopicSettings {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly config: Readonly<Record<string, string>>;
  /** Whether records are keyed (by a key function or a key schema). */
  readonly keyed: boolean;
  readonly family?: string;
  readonly description?: string;
  /** How the value's schema may change (the registry's compatibility mode, the schema lock's check). */
  readonly compatibility: Compatibility;
  /**
   * The declared registry version of a value (and key) in a registry format (Avro, Protobuf), as plain data: what
   * the local schema registry serves and the emulator's mapping decodes with.
   */
  readonly registry?: { readonly value?: RegistryVersion; readonly key?: RegistryVersion };
}

export interface TableSettings {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
}

/** Everything derived from one handler declaration, as plain data. */
export interface HandlerPlan {
  readonly name: string;
  readonly group: string;
  /** The module that is its Lambda (absolute path); absent where the plan travels without the sources. */
  readonly entry?: string;
  /** One event source mapping per source topic, with its settings as deployed. */
  readonly eventSources: readonly MappingSettings[];
  /** Topics it reads: exactly its declared source topics. */
  readonly readTopics: readonly string[];
  /** Consumer groups its event source mappings commit to. */
  readonly groups: readonly string[];
  /** The declared `publishes` topics (families as their declared members). */
  readonly publishes: readonly string[];
  /** Per source topic, its dead-letter topic; empty with `deadLetter: false`. */
  readonly deadLetters: readonly { readonly source: string; readonly topic: string }[];
  /** Where its mappings send what they give up on (`report-batch-item-failures` mode). */
  readonly onFailure?: OnFailureDestination;
  /** Topics it writes: publishes, dead-letter topics and a Kafka on-failure destination. */
  readonly writeTopics: readonly string[];
  readonly tables: readonly string[];
  readonly failureMode: FailureMode;
  readonly concurrency: HandlerSpec['concurrency'];
  readonly retry: HandlerSpec['retry'];
  readonly deploy: DeploySettings;
  /** Whether its bundle needs the Kafka client (kafkajs + the IAM signer). */
  readonly carriesKafkaClient: boolean;
  /** Packages left out of its bundle: the clients it never loads. */
  readonly externalModules: readonly string[];
}

export interface AppPlan {
  /** Every concrete topic: the catalog's, those handlers read or publish, their dead-letter and on-failure topics. */
  readonly topics: readonly TopicSettings[];
  readonly tables: readonly TableSettings[];
  readonly handlers: readonly HandlerPlan[];
}

const unique = (names: readonly string[]): string[] => [...new Set(names)].sort();

export function planHandler(spec: HandlerSpec, entry?: string): HandlerPlan {
  const eventSources = mappingSettings(spec);
  const deadLetters = deadLetterTopics(spec).map((t, i) => ({ source: spec.topics[i]!.name, topic: t.name }));
  const publishes = unique(spec.publishes.flatMap(topicsOf).map((t) => t.name));
  const onFailure = onFailureTopics(spec).map((t) => t.name);
  return {
    name: spec.name,
    group: spec.group,
    ...(entry !== undefined && { entry }),
    eventSources,
    readTopics: unique(spec.topics.map((t) => t.name)),
    groups: unique(eventSources.map((e) => e.consumerGroupId)),
    publishes,
    deadLetters,
    ...(spec.onFailure !== undefined && { onFailure: spec.onFailure }),
    writeTopics: unique([...publishes, ...deadLetters.map((d) => d.topic), ...onFailure]),
    tables: spec.tables.map((t) => t.name),
    failureMode: spec.failureMode,
    concurrency: spec.concurrency,
    retry: spec.retry,
    deploy: spec.deploy,
    carriesKafkaClient: carriesKafkaClient(spec),
    externalModules: externalModules(spec),
  };
}

export function topicSettings(topic: AnyTopic): TopicSettings {
  const registry = registryVersions(topic);
  return {
    name: topic.name,
    partitions: topic.partitions,
    replicationFactor: topic.replicationFactor,
    config: topic.config,
    keyed: topic.keyOf !== null || topic.keySchema !== undefined,
    ...(topic.family !== undefined && { family: topic.family }),
    ...(topic.description !== undefined && { description: topic.description }),
    compatibility: topic.compatibility,
    ...(registry && { registry }),
  };
}

function tableSettings(table: AnyTable): TableSettings {
  return {
    name: table.name,
    partitionKey: table.partitionKey,
    ...(table.sortKey !== undefined && { sortKey: table.sortKey }),
  };
}

/** The plan of a loaded application. */
export function planApp(manifest: AppManifest): AppPlan {
  return {
    topics: manifest.topics.map(topicSettings),
    tables: manifest.tables.map(tableSettings),
    handlers: manifest.handlers.map((h: HandlerModule) => planHandler(h.definition, h.entry)),
  };
}
