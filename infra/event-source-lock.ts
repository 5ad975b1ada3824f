/**
 * Memory across deploys for what CloudFormation cannot tell at synth: the consumer group and starting position
 * each deployed event source mapping was created with. `npm run deploy` (infra/deploy.ts) writes it after a
 * successful deploy; synth reads it to refuse a change Lambda would reject or silently ignore.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InfraInvariantError } from './invariants';

/** The template metadata key that carries a mapping's record (read back by infra/deploy.ts). */
export const MAPPING_METADATA = 'kafka-lambda:event-source';
/** Beside package.json; commit it with the code that was deployed. */
export const LOCK_FILE = 'event-sources.lock.json';

export interface MappingRecord {
  handler: string;
  topic: string;
  group: string;
  startingPosition: { startingPosition: string; startingPositionTimestamp?: number };
}

export interface EventSourceLock {
  /** The stack these mappings were deployed in. */
  stackName: string;
  mappings: MappingRecord[];
}

const position = (r: MappingRecord): string =>
  r.startingPosition.startingPositionTimestamp === undefined
    ? r.startingPosition.startingPosition
    : `${r.startingPosition.startingPosition}@${r.startingPosition.startingPositionTimestamp}`;

/**
 * Refuses, before anything reaches AWS:
 * - one consumer group on two mappings (Lambda requires a group id unique among all Kafka event sources);
 * - a new starting position on a mapping whose group stays: Lambda ignores the position for a group that has
 *   committed offsets, and replacing the mapping would put the same group on two mappings at once.
 */
export function checkEventSources(current: readonly MappingRecord[], deployed?: EventSourceLock): void {
  const byGroup = new Map<string, MappingRecord>();
  for (const record of current) {
    const other = byGroup.get(record.group);
    if (other) {
      throw new InfraInvariantError(
        `consumer group "${record.group}" is used by handler "${other.handler}" (topic ${other.topic}) and handler ` +
          `"${record.handler}" (topic ${record.topic}): Lambda requires a group id unique among all Kafka event ` +
          'sources; give one of the handlers another group',
      );
    }
    byGroup.set(record.group, record);
  }
  for (const before of deployed?.mappings ?? []) {
    const now = current.find((r) => r.handler === before.handler && r.topic === before.topic);
    if (!now || now.group !== before.group || position(now) === position(before)) continue;
    throw new InfraInvariantError(
      `handler "${now.handler}" topic ${now.topic}: the starting position changed from ${position(before)} to ` +
        `${position(now)} but the consumer group "${now.group}" did not. Lambda ignores the starting position of a ` +
        'group that already has committed offsets, and cannot hold the group on two mappings while CloudFormation ' +
        "replaces the mapping. Change the handler's group as well (the new group starts at the new position), " +
        `or keep the position; ${LOCK_FILE} records what was deployed`,
    );
  }
}

/** The lock file if there is one; a malformed file is an error (it would silently disable the checks). */
export function readLock(path: string): EventSourceLock | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<EventSourceLock>;
  if (typeof parsed.stackName !== 'string' || !Array.isArray(parsed.mappings))
    throw new InfraInvariantError(`${path}: expected { "stackName": string, "mappings": [...] }`);
  return parsed as EventSourceLock;
}

/** The mapping records of a synthesized template, as infra/deploy.ts stores them after a deploy. */
export function lockFromTemplate(
  stackName: string,
  template: { Resources?: Record<string, { Type?: string; Metadata?: Record<string, unknown> }> },
): EventSourceLock {
  const mappings = Object.values(template.Resources ?? {})
    .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && r.Metadata?.[MAPPING_METADATA])
    .map((r) => r.Metadata![MAPPING_METADATA] as MappingRecord)
    .sort((a, b) => `${a.handler}/${a.topic}`.localeCompare(`${b.handler}/${b.topic}`));
  return { stackName, mappings };
}
