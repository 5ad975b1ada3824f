/**
 * Front door: running an application locally, as its event source mappings and functions run on AWS
 * (`npm start` / `kafka-lambda dev` use this), what the local console reads about it, and the types an
 * application's `simulate.ts` implements.
 */
export { startEmulator } from './emulator';
export type { Emulator, EmulatorOptions, ReloadEvent } from './emulator';
export type { SimulateFn, SimulationContext, SimulationOptions } from './simulation';
export type { HandlerStats, RecentFailure } from './stats';
export type { PartitionLag } from '../operations/lag';
export { topicStatuses } from '../operations/topic-status';
export type { TopicStatus, TopicShape, PartitionPlacement } from '../operations/topic-status';
export { browseRecords } from '../operations/browse';
export type { BrowseQuery, BrowsedRecord } from '../operations/browse';
export { handlerGroups } from '../operations/groups';
export type { GroupStatus, GroupMember } from '../operations/groups';
export { listDeadLetters, replayDeadLetters } from '../operations/dead-letters';
export type { DeadLetterEntry, DeadLetterFilter, ReplayResult } from '../operations/dead-letters';
export { partitionForKey } from '../kafka/partitioner';
export type { DeadLetterInfo, FailureKind } from '../lambda/dead-letter';
