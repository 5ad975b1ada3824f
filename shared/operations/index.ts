/**
 * Front door: the cluster tools (topics, records, consumer groups with lag, dead letters, replay, publish) behind
 * one interface, for the command line and the console. `DirectTools` reach a cluster from this process;
 * `RemoteTools` reach a deployed stack through its operations function. The protocol's types are what both answer.
 */
export type { ClusterTools, RequestOf } from './tools';
export { allDeadLetters } from './pages';
export { DirectTools } from './direct';
export type { DirectToolsOptions } from './direct';
export { RemoteTools } from './remote';
export type { FunctionInvoker, InvokeResult } from './replay';
export { operationsAppOf, replayLedgerTopic, OPERATIONS_FUNCTION } from './app';
export type { HandlerRef, OperationsApp } from './app';
export { OperationsError, PROTOCOL_VERSION } from './protocol';
export type * from './protocol';
export type { TopicShape, TopicStatus, PartitionPlacement } from './topic-status';
export type { PartitionLag } from './lag';
export { totalLag } from './lag';
