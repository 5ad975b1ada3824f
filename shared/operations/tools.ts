/**
 * The cluster tools behind one interface, whatever reaches the cluster: `DirectTools` talk to Kafka from this
 * process and replay through a local function; `RemoteTools` send the same requests to a stack's operations
 * function over Lambda Invoke, which answers them with `DirectTools` inside the VPC. The CLI and the console are
 * written against this interface only, so every feature exists once.
 */
import type { Action, OperationsRequest, Results } from './protocol';

type Requests = { [K in Action]: Omit<Extract<OperationsRequest, { action: K }>, 'v'> };

/** A request of one action, without the protocol version (the backend adds it). */
export type RequestOf<A extends Action> = Requests[A] & { action: A };

export interface ClusterTools {
  /** What the tools reach, for people: `local cluster 127.0.0.1:9092`, `stack KafkaLambda (account ..., eu-west-1)`. */
  readonly target: string;
  /** Answers one request; a failure is an OperationsError with its code. */
  call<A extends Action>(request: RequestOf<A>): Promise<Results[A]>;
  close(): Promise<void>;
}
