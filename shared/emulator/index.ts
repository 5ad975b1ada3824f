/**
 * Front door: running an application locally, as its event source mappings and functions run on AWS
 * (`npm start` / `kafka-lambda dev` use this), what the local console reads about it, and the types an
 * application's `simulate.ts` implements. The cluster tools (topics, records, groups, dead letters, replay,
 * publish) have their own front door, shared/operations.
 */
export { startEmulator } from './emulator';
export type { Emulator, EmulatorOptions, ReloadEvent } from './emulator';
export type { SimulateFn, SimulationContext, SimulationOptions } from './simulation';
export type { HandlerStats, RecentFailure } from './stats';
export type { PartitionLag } from '../operations/lag';
export { partitionForKey } from '../kafka/partitioner';
export type { DeadLetterInfo, FailureKind } from '../lambda/dead-letter';
export { followRecord } from './follow';
export type { FollowTarget, FollowOptions, FollowedTrace } from './follow';
export type { TracedRecord, TracedSpan, TraceNode } from './follow-tree';
export type { MetricFigures } from './stats';
