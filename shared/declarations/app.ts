import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deadLetterTopics, onFailureTopics } from '../lambda/dead-letter';
import { DeclarationError } from '../errors';
import { checkFilter } from './filter';
import { loadModule } from './load-module';
import type { AnyHandlerDefinition } from './handler';
import { topicsOf, type AnyTopic, type AnyTopicSource } from './topic';
import type { AnyTable } from './table';

/** One handler module: its declaration and the file that is its Lambda (exporting `handler`). */
export interface HandlerModule {
  definition: AnyHandlerDefinition;
  entry: string;
}

/** Everything an application declares: read alike by the emulator and by the CDK stack (DESIGN.md, contract 5). */
export interface AppManifest {
  handlers: HandlerModule[];
  /** Every concrete topic: the catalog's, those handlers read or publish, their dead-letter and on-failure topics. */
  topics: AnyTopic[];
  /** Every table the handlers declare. */
  tables: AnyTable[];
}

function isTopicSource(value: unknown): value is AnyTopicSource {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'topic' || kind === 'family';
}

function isHandler(value: unknown): value is AnyHandlerDefinition {
  return (value as { kind?: unknown } | null)?.kind === 'handler';
}

/** Adds a topic, refusing two declarations of one name that disagree (a setting is written once). */
function addTopic(topics: Map<string, AnyTopic>, topic: AnyTopic): void {
  const existing = topics.get(topic.name);
  if (!existing) return void topics.set(topic.name, topic);
  const same =
    existing.partitions === topic.partitions &&
    existing.replicationFactor === topic.replicationFactor &&
    JSON.stringify(existing.config) === JSON.stringify(topic.config);
  if (!same) throw new DeclarationError(`topic "${topic.name}"`, 'is declared twice with different settings');
}

/** Builds the manifest from already-loaded declarations. */
export function manifestOf(
  catalog: readonly AnyTopicSource[],
  handlers: readonly HandlerModule[],
): AppManifest {
  const topics = new Map<string, AnyTopic>();
  const names = new Set<string>();
  for (const source of catalog) topicsOf(source).forEach((t) => addTopic(topics, t));
  for (const { definition } of handlers) {
    if (names.has(definition.name))
      throw new DeclarationError(`handler "${definition.name}"`, 'is declared twice');
    names.add(definition.name);
    [...definition.sources, ...definition.publishes].flatMap(topicsOf).forEach((t) => addTopic(topics, t));
    [...deadLetterTopics(definition), ...onFailureTopics(definition)].forEach((t) => addTopic(topics, t));
  }
  const tables = new Map<string, AnyTable>();
  for (const table of handlers.flatMap((h) => h.definition.tables)) {
    const existing = tables.get(table.name);
    if (existing && existing !== table) {
      throw new DeclarationError(
        `table "${table.name}"`,
        'is declared twice (declare it once and import it)',
      );
    }
    tables.set(table.name, table);
  }
  return { handlers: [...handlers], topics: [...topics.values()], tables: [...tables.values()] };
}

/**
 * Loads an application laid out by convention: `<dir>/topics.ts` exports the topic catalog and every
 * `<dir>/handlers/*.ts` is one Lambda exporting `handler` and one handler declaration.
 */
export function loadApp(dir: string): AppManifest {
  const root = resolve(dir);
  const catalog = Object.values(loadModule(join(root, 'topics'))).filter(isTopicSource);
  const handlerDir = join(root, 'handlers');
  const handlers = readdirSync(handlerDir)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .sort()
    .map((file): HandlerModule => {
      const entry = join(handlerDir, file);
      const exports = loadModule(entry);
      const definitions = Object.values(exports).filter(isHandler);
      if (definitions.length !== 1 || typeof exports.handler !== 'function') {
        throw new DeclarationError(
          entry,
          'a handler module exports exactly one handler declaration and `handler = lambdaHandler(...)`',
        );
      }
      const definition = definitions[0]!;
      // Checked here, where deploys and the emulator load declarations, not in defineHandler: on Lambda the
      // mapping filters, so the filter rules stay out of the function's bundle.
      if (definition.filter !== undefined) checkFilter(definition.name, definition.filter);
      return { definition, entry };
    });
  return manifestOf(catalog, handlers);
}
