/**
 * Kafka in Docker: the official apache/kafka image through launcher/docker-compose.yml (profile "single" or
 * "cluster"). Containers keep no volume, so `down` gives a fresh cluster; a killed container keeps its data
 * until it is started again.
 */
import type { ClusterBackend, Logger, NodeInfo } from './backend';
import { COMPOSE_PROFILES, COMPOSE_PROJECT, composeService } from './compose';
import { brokerAddress, clientPort, type NodeCount, nodeIds } from './config';
import { describeFailure, run } from './exec';
import { repoFiles } from './paths';
import { waitForFreePorts } from './processes';
import type { ClusterState } from './state';

const STOP_GRACE_SECONDS = 15;

export function createDockerCluster(composeCommand: readonly string[]): ClusterBackend {
  const [command, ...prefix] = composeCommand as [string, ...string[]];

  async function compose(kafkaVersion: string, profiles: readonly string[], args: string[]): Promise<string> {
    const full = [
      ...prefix,
      '-p',
      COMPOSE_PROJECT,
      '-f',
      repoFiles.compose,
      ...profiles.flatMap((profile) => ['--profile', profile]),
      ...args,
    ];
    const result = await run(command, full, {
      timeoutMs: 10 * 60_000,
      env: { ...process.env, KAFKA_VERSION: kafkaVersion },
    });
    if (result.code !== 0)
      throw new Error(
        `\`${composeCommand.join(' ')} ${full.slice(prefix.length).join(' ')}\` failed: ${describeFailure(result)}`,
      );
    return result.stdout;
  }

  const profileOf = (nodes: NodeCount): string[] => [COMPOSE_PROFILES[nodes]];
  const logsCommand = (service: string): string =>
    `${composeCommand.join(' ')} -p ${COMPOSE_PROJECT} -f ${repoFiles.compose} logs ${service}`;

  async function runningServices(state: ClusterState): Promise<string[]> {
    const stdout = await compose(state.kafkaVersion, profileOf(state.nodes), [
      'ps',
      '--services',
      '--status',
      'running',
    ]);
    return stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  }

  return {
    mode: 'docker',

    async startAll(state: ClusterState, log: Logger) {
      log(
        `docker compose: starting apache/kafka:${state.kafkaVersion} (profile ${COMPOSE_PROFILES[state.nodes]})...`,
      );
      await compose(state.kafkaVersion, profileOf(state.nodes), [
        'up',
        '--detach',
        '--force-recreate',
        '--remove-orphans',
      ]);
    },

    async startNode(node: number, state: ClusterState) {
      const service = composeService(node, state.nodes);
      await compose(state.kafkaVersion, profileOf(state.nodes), ['up', '--detach', '--no-recreate', service]);
    },

    async killNode(node: number, state: ClusterState) {
      await compose(state.kafkaVersion, profileOf(state.nodes), [
        'kill',
        '--signal',
        'SIGKILL',
        composeService(node, state.nodes),
      ]);
    },

    async stopAll(state: ClusterState | undefined, log: Logger) {
      const version = state?.kafkaVersion ?? '';
      await compose(version, Object.values(COMPOSE_PROFILES), [
        'down',
        '--volumes',
        '--remove-orphans',
        '--timeout',
        String(STOP_GRACE_SECONDS),
      ]);
      log('docker compose: containers removed');
      if (state)
        await waitForFreePorts(
          nodeIds(state.nodes).map((node) => clientPort(node, state.nodes)),
          30_000,
        );
    },

    async nodes(state: ClusterState): Promise<NodeInfo[]> {
      const running = await runningServices(state);
      return nodeIds(state.nodes).map((node) => {
        const service = composeService(node, state.nodes);
        return {
          node,
          running: running.includes(service),
          address: brokerAddress(node, state.nodes),
          logHint: logsCommand(service),
        };
      });
    },
  };
}
