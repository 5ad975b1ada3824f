/**
 * Pure description of the local cluster: node ids, ports, the broker settings shared by the JVM and Docker modes,
 * and the rendering of one node's server.properties. No I/O here, so it is unit-tested directly.
 */

/** The cluster shapes the launcher knows: one combined node, or three (replicated like MSK). */
export const NODE_COUNTS = [1, 3] as const;
export type NodeCount = (typeof NODE_COUNTS)[number];

/** Every listener binds this address only. */
export const LOCAL_HOST = '127.0.0.1';

export function isNodeCount(value: number): value is NodeCount {
  return (NODE_COUNTS as readonly number[]).includes(value);
}

export function parseNodeCount(raw: string | number): NodeCount {
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!isNodeCount(value)) {
    throw new Error(`Unsupported node count "${raw}": use ${NODE_COUNTS.join(' or ')}.`);
  }
  return value;
}

/** Node ids are 1-based and equal to the KRaft node.id. */
export function nodeIds(nodes: NodeCount): number[] {
  return Array.from({ length: nodes }, (_, i) => i + 1);
}

export function assertNode(node: number, nodes: NodeCount): void {
  if (!Number.isInteger(node) || node < 1 || node > nodes) {
    throw new Error(`No node ${node} in a ${nodes}-node cluster (nodes are numbered 1..${nodes}).`);
  }
}

/** Client (broker) port: 9092 for a single node; 19092, 29092, 39092 for three. */
export function clientPort(node: number, nodes: NodeCount): number {
  assertNode(node, nodes);
  return nodes === 1 ? 9092 : node * 10000 + 9092;
}

/** KRaft controller port: 9093 for a single node; 19093, 29093, 39093 for three. */
export function controllerPort(node: number, nodes: NodeCount): number {
  assertNode(node, nodes);
  return nodes === 1 ? 9093 : node * 10000 + 9093;
}

export function brokerAddress(node: number, nodes: NodeCount): string {
  return `${LOCAL_HOST}:${clientPort(node, nodes)}`;
}

/** The bootstrap list clients use, e.g. `['127.0.0.1:9092']`. */
export function bootstrapFor(nodes: NodeCount): string[] {
  return nodeIds(nodes).map((node) => brokerAddress(node, nodes));
}

/** Every port a cluster of this shape listens on (client and controller). */
export function allPorts(nodes: NodeCount): number[] {
  return nodeIds(nodes).flatMap((node) => [clientPort(node, nodes), controllerPort(node, nodes)]);
}

/** `controller.quorum.voters`: a static quorum of every node, e.g. `1@127.0.0.1:19093,2@...`. */
export function quorumVoters(nodes: NodeCount, endpoint: (node: number) => string): string {
  return nodeIds(nodes)
    .map((node) => `${node}@${endpoint(node)}`)
    .join(',');
}

export function replicationFactor(nodes: NodeCount): number {
  return Math.min(3, nodes);
}

export function minInsyncReplicas(nodes: NodeCount): number {
  return nodes >= 3 ? 2 : 1;
}

/**
 * Broker settings that do not depend on the node or the network, identical in JVM and Docker mode.
 * Like the MSK cluster: topics are created explicitly (no auto-creation), replicated topics use RF 3 with
 * min.insync.replicas 2 so one broker can fail without losing an acknowledged write.
 */
export function clusterSettings(nodes: NodeCount): Record<string, string> {
  const rf = String(replicationFactor(nodes));
  const isr = String(minInsyncReplicas(nodes));
  return {
    'auto.create.topics.enable': 'false',
    'num.partitions': '3',
    'default.replication.factor': rf,
    'min.insync.replicas': isr,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': isr,
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': isr,
    'group.initial.rebalance.delay.ms': '0',
  };
}

export interface NodePropertiesInput {
  node: number;
  nodes: NodeCount;
  /** Absolute path of the node's data (log) directory. */
  dataDir: string;
}

/** Everything a JVM node needs, in server.properties order (roles, listeners, quorum, storage, cluster settings). */
export function nodeProperties({ node, nodes, dataDir }: NodePropertiesInput): Record<string, string> {
  const controller = (n: number): string => `${LOCAL_HOST}:${controllerPort(n, nodes)}`;
  return {
    'process.roles': 'broker,controller',
    'node.id': String(node),
    'controller.quorum.voters': quorumVoters(nodes, controller),
    listeners: `PLAINTEXT://${brokerAddress(node, nodes)},CONTROLLER://${controller(node)}`,
    'advertised.listeners': `PLAINTEXT://${brokerAddress(node, nodes)}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'log.dirs': dataDir,
    ...clusterSettings(nodes),
  };
}

/** Escapes a value for a Java .properties file (backslashes, and leading spaces, are the only traps here). */
function escapePropertyValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/^ /, '\\ ');
}

export function renderProperties(properties: Record<string, string>, header: string): string {
  const lines = Object.entries(properties).map(([key, value]) => `${key}=${escapePropertyValue(value)}`);
  return `# ${header}\n${lines.join('\n')}\n`;
}

export function renderServerProperties(input: NodePropertiesInput): string {
  return renderProperties(
    nodeProperties(input),
    `Generated by launcher/kafka (npm run kafka) for node ${input.node} of ${input.nodes}; rewritten on every start.`,
  );
}
