/**
 * The topic declarations the local tools decode records with (browse, tail, publish through the console): the
 * emulator's process loads the application's topic catalog (`topics.ts`: data and schemas, no handler code) for
 * its codecs and schemas. A topic of the plan the catalog does not declare (a dead-letter or on-failure topic, a
 * topic declared only inside a handler module) has no declaration here; the tools show its records as they are.
 */
import { join, resolve } from 'node:path';
import { isTopicSource } from '../declarations/app';
import { loadModule } from '../declarations/load-module';
import { topicsOf, type AnyTopic } from '../declarations/topic';

/** The catalog's topics by name, as `<appDir>/topics.ts` declares them. */
export function catalogTopics(appDir: string): ReadonlyMap<string, AnyTopic> {
  const exports = loadModule(join(resolve(appDir), 'topics'));
  const topics = Object.values(exports).filter(isTopicSource).flatMap(topicsOf);
  return new Map(topics.map((t) => [t.name, t]));
}
