import type { AppManifest, HandlerModule } from '../../../shared/declarations/app';
import type { AnyHandlerDefinition } from '../../../shared/declarations/handler';
import type { AnyTopic } from '../../../shared/declarations/topic';
import { deadLetterTopics } from '../../../shared/lambda/dead-letter';

/** The manifest with these handlers: their dead-letter topics follow them, as loadApp would derive them. */
function withHandlers(manifest: AppManifest, handlers: HandlerModule[]): AppManifest {
  const before = new Set(manifest.handlers.flatMap((h) => deadLetterTopics(h.definition).map((t) => t.name)));
  const topics = new Map(manifest.topics.filter((t) => !before.has(t.name)).map((t) => [t.name, t]));
  for (const t of handlers.flatMap((h) => deadLetterTopics(h.definition))) topics.set(t.name, t);
  return { ...manifest, handlers, topics: [...topics.values()] };
}

/** A routine change to an application: a new manifest from the old one, the old one untouched. */
export type ManifestEdit = (manifest: AppManifest) => AppManifest;

const has = (list: readonly { name: string }[], name: string): void => {
  if (!list.some((x) => x.name === name))
    throw new Error(`no "${name}" in [${list.map((x) => x.name).join(', ')}]`);
};

/** Changes one topic everywhere it appears: the catalog and every handler that reads it. */
export const editTopic =
  (name: string, patch: Partial<AnyTopic>): ManifestEdit =>
  (manifest) => {
    has(manifest.topics, name);
    const swap = (t: AnyTopic): AnyTopic => (t.name === name ? { ...t, ...patch } : t);
    return {
      ...manifest,
      topics: manifest.topics.map(swap),
      handlers: manifest.handlers.map((h) => ({
        ...h,
        definition: { ...h.definition, topics: h.definition.topics.map(swap) } as AnyHandlerDefinition,
      })),
    };
  };

export const addTopic =
  (topic: AnyTopic): ManifestEdit =>
  (manifest) => ({ ...manifest, topics: [...manifest.topics, topic] });

export const editHandler =
  (name: string, patch: Partial<AnyHandlerDefinition>): ManifestEdit =>
  (manifest) => {
    has(
      manifest.handlers.map((h) => h.definition),
      name,
    );
    return withHandlers(
      manifest,
      manifest.handlers.map((h) =>
        h.definition.name === name
          ? { ...h, definition: { ...h.definition, ...patch } as AnyHandlerDefinition }
          : h,
      ),
    );
  };

/** A second handler from the same module under another name and group. */
export const addHandlerLike =
  (name: string, copy: { name: string; group: string }): ManifestEdit =>
  (manifest) => {
    const source = manifest.handlers.find((h) => h.definition.name === name);
    if (!source) throw new Error(`no handler "${name}"`);
    const added: HandlerModule = {
      ...source,
      definition: { ...source.definition, ...copy } as AnyHandlerDefinition,
    };
    return withHandlers(manifest, [...manifest.handlers, added]);
  };

export const removeHandler =
  (name: string): ManifestEdit =>
  (manifest) =>
    withHandlers(
      manifest,
      manifest.handlers.filter((h) => h.definition.name !== name),
    );
