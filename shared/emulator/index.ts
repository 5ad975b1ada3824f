/**
 * Front door: running an application locally, as its event source mappings and functions run on AWS
 * (`npm start` / `kafka-lambda dev` use this), what the local console reads about it, and the types an
 * application's `simulate.ts` implements.
 */
export { startEmulator } from './emulator';
export type { Emulator, EmulatorOptions, ReloadEvent } from './emulator';
export type { SimulateFn, SimulationContext, SimulationOptions } from './simulation';
export type { HandlerStats, RecentFailure } from './stats';
export type { PartitionLag } from './lag';
export { topicStatuses } from './topic-status';
export type { TopicStatus, TopicShape, PartitionPlacement } from './topic-status';
export { browseRecords } from './browse';
export type { BrowseQuery, BrowsedRecord } from './browse';
export { handlerGroups } from './groups';
export type { GroupStatus, GroupMember } from './groups';
export { listDeadLetters, replayDeadLetters } from './dead-letters';
export type { DeadLetterEntry, DeadLetterFilter, ReplayResult } from './dead-letters';
export { partitionForKey } from '../kafka/partitioner';
export type { DeadLetterInfo, FailureKind } from '../lambda/dead-letter';
export { followRecord } from './follow';
export type { FollowTarget, FollowOptions, FollowedTrace } from './follow';
export type { TracedRecord, TracedSpan, TraceNode } from './follow-tree';
export type { MetricFigures } from './stats';
