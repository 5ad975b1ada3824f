/**
 * A schema's compatibility mode, as AWS Glue Schema Registry names them (AWS::Glue::Schema `Compatibility`; a
 * Confluent registry has the same modes, TRANSITIVE for _ALL). Each says which earlier versions a new version must
 * work with, and in which direction:
 * - BACKWARD: readers of the new version read records written with the previous one (upgrade consumers first);
 * - FORWARD: readers of the previous version read records written with the new one (upgrade producers first);
 * - FULL: both; the _ALL forms hold against every earlier version, not only the latest;
 * - NONE: any change; DISABLED: no new version at all.
 */
export const COMPATIBILITY_MODES = [
  'NONE',
  'DISABLED',
  'BACKWARD',
  'BACKWARD_ALL',
  'FORWARD',
  'FORWARD_ALL',
  'FULL',
  'FULL_ALL',
] as const;

export type Compatibility = (typeof COMPATIBILITY_MODES)[number];
