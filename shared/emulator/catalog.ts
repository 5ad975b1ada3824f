/**
 * The topics the local tools browse (the console's topics page), with the schemas to decode their records. The
 * emulator's process loads the application's topic catalog (`topics.ts`: data and schemas, no handler code) for its
 * schemas; a topic of the plan the catalog does not declare (a dead-letter or on-failure topic, a topic declared
 * only inside a handler module) is browsed without a schema, its values shown as they are.
 */
import { join, resolve } from 'node:path';
import type { TopicSettings } from '../declarations/app-plan';
import { isTopicSource } from '../declarations/app';
import { loadModule } from '../declarations/load-module';
import { defineTopic, topicsOf, type AnyTopic } from '../declarations/topic';
import { anyValue } from '../lambda/dead-letter';

/** The catalog's topics by name, as `topics.ts` declares them. */
function catalogTopics(appDir: string): Map<string, AnyTopic> {
  const exports = loadModule(join(resolve(appDir), 'topics'));
  const topics = Object.values(exports).filter(isTopicSource).flatMap(topicsOf);
  return new Map(topics.map((t) => [t.name, t]));
}

/** Every topic of the plan, from the catalog where it declares the topic, else without a schema. */
export function browsableTopics(appDir: string, topics: readonly TopicSettings[]): AnyTopic[] {
  const catalog = catalogTopics(appDir);
  return topics.map(
    (t) =>
      catalog.get(t.name) ??
      defineTopic({
        name: t.name,
        partitions: t.partitions,
        replicationFactor: t.replicationFactor,
        // As declared: numbers where Kafka takes numbers (the plan carries every value as text).
        config: Object.fromEntries(
          Object.entries(t.config).map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v]),
        ),
        value: anyValue,
        key: null,
      }),
  );
}
