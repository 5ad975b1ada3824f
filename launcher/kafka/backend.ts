/** What the facade (cluster.ts) needs from a way of running Kafka: the JVM launcher or Docker Compose. */
import type { ClusterState } from './state';
import type { Mode } from './toolchain';

export type Logger = (line: string) => void;

export interface NodeInfo {
  node: number;
  running: boolean;
  /** Broker (client) address, e.g. 127.0.0.1:19092. */
  address: string;
  pid?: number;
  /** Log file (JVM mode). */
  logFile?: string;
  /** Where to read the node's log: the file, or the command that shows it. */
  logHint: string;
}

export interface ClusterBackend {
  readonly mode: Mode;
  /** Starts every node of a new cluster on fresh data; returns without waiting for readiness. */
  startAll(state: ClusterState, log: Logger): Promise<void>;
  /** Starts one stopped node on its existing data (not reformatted); returns without waiting. */
  startNode(node: number, state: ClusterState, log: Logger): Promise<void>;
  /** Kills one node abruptly (SIGKILL); resolves once it is gone. */
  killNode(node: number, state: ClusterState): Promise<void>;
  /** Stops every node (SIGTERM, SIGKILL after a grace period), waits for free ports and removes the data. */
  stopAll(state: ClusterState | undefined, log: Logger): Promise<void>;
  nodes(state: ClusterState): Promise<NodeInfo[]>;
}
