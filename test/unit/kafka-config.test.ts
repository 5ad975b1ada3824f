/** The local Kafka launcher's pure parts: ports, quorum, replication settings, and the generated compose file. */
import { readFileSync } from 'node:fs';
import { KAFKA_VERSION } from '../../shared/kafka/version';
import {
  COMPOSE_CLUSTER_ID,
  composeModel,
  envName,
  renderCompose,
  yamlQuote,
} from '../../launcher/kafka/compose';
import {
  allPorts,
  bootstrapFor,
  clientPort,
  clusterSettings,
  controllerPort,
  parseNodeCount,
  renderServerProperties,
} from '../../launcher/kafka/config';
import { repoFiles } from '../../launcher/kafka/paths';
import { parseJavaMajor } from '../../launcher/kafka/toolchain';

function parseProperties(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as const;
    });
  return Object.fromEntries(entries);
}

describe('ports and bootstrap', () => {
  it('uses 9092/9093 for one node', () => {
    expect(bootstrapFor(1)).toEqual(['127.0.0.1:9092']);
    expect(controllerPort(1, 1)).toBe(9093);
    expect(allPorts(1)).toEqual([9092, 9093]);
  });

  it('uses N9092/N9093 for three nodes', () => {
    expect(bootstrapFor(3)).toEqual(['127.0.0.1:19092', '127.0.0.1:29092', '127.0.0.1:39092']);
    expect([1, 2, 3].map((n) => controllerPort(n, 3))).toEqual([19093, 29093, 39093]);
    expect(new Set(allPorts(3)).size).toBe(6);
  });

  it('rejects unknown shapes and nodes', () => {
    expect(parseNodeCount('3')).toBe(3);
    expect(() => parseNodeCount('2')).toThrow(/1 or 3/);
    expect(() => clientPort(4, 3)).toThrow(/No node 4/);
    expect(() => clientPort(0, 1)).toThrow(/No node 0/);
  });
});

describe('server.properties', () => {
  it('renders a single combined node with RF 1', () => {
    const props = parseProperties(
      renderServerProperties({ node: 1, nodes: 1, dataDir: '/state/node-1/data' }),
    );
    expect(props).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:9093',
      listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:9092',
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': '/state/node-1/data',
      'default.replication.factor': '1',
      'min.insync.replicas': '1',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'auto.create.topics.enable': 'false',
      'group.initial.rebalance.delay.ms': '0',
    });
  });

  it('renders node 2 of 3 with a 3-voter quorum, RF 3 and min.insync.replicas 2', () => {
    const props = parseProperties(renderServerProperties({ node: 2, nodes: 3, dataDir: '/d' }));
    expect(props).toMatchObject({
      'node.id': '2',
      'controller.quorum.voters': '1@127.0.0.1:19093,2@127.0.0.1:29093,3@127.0.0.1:39093',
      listeners: 'PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:29092',
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
      'offsets.topic.replication.factor': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
    });
  });

  it('binds every listener to 127.0.0.1 only', () => {
    for (const nodes of [1, 3] as const) {
      for (let node = 1; node <= nodes; node += 1) {
        const props = parseProperties(renderServerProperties({ node, nodes, dataDir: '/d' }));
        const hosts = `${props.listeners},${props['advertised.listeners']}`.match(/\/\/[^:,]*/g);
        expect(new Set(hosts)).toEqual(new Set(['//127.0.0.1']));
      }
    }
  });

  it('escapes backslashes in paths', () => {
    const text = renderServerProperties({ node: 1, nodes: 1, dataDir: 'C:\\kafka\\data' });
    expect(text).toContain('log.dirs=C:\\\\kafka\\\\data');
  });
});

describe('docker-compose.yml', () => {
  const onDisk = readFileSync(repoFiles.compose, 'utf8');

  it('is the rendering of the current config (regenerate with `npm run kafka -- compose`)', () => {
    expect(onDisk).toBe(renderCompose(KAFKA_VERSION));
  });

  it('is in the YAML subset the renderer writes: 2-space block maps and lists of single-quoted scalars', () => {
    const lines = onDisk.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    for (const line of lines) {
      const ok = /^(?: {2})*(?:[A-Za-z0-9_.-]+:(?: '(?:[^']|'')*')?|- '(?:[^']|'')*')$/.test(line);
      expect({ line, ok }).toEqual({ line, ok: true });
    }
    expect(yamlQuote("it's")).toBe("'it''s'");
  });

  it('pins the official image at the shared Kafka version, overridable by KAFKA_VERSION', () => {
    expect(onDisk).toContain(`image: 'apache/kafka:\${KAFKA_VERSION:-${KAFKA_VERSION}}'`);
    expect(onDisk).not.toMatch(/image: '(?!apache\/kafka:)/);
  });

  it('has a 1-node and a 3-node profile on the same host ports as the JVM mode, bound to 127.0.0.1', () => {
    const { services } = composeModel(KAFKA_VERSION) as {
      services: Record<string, { profiles: string[]; ports: string[]; environment: Record<string, string> }>;
    };
    expect(Object.keys(services)).toEqual(['kafka', 'kafka-1', 'kafka-2', 'kafka-3']);
    expect(services.kafka?.profiles).toEqual(['single']);
    expect(services.kafka?.ports).toEqual(['127.0.0.1:9092:9092']);
    expect(['kafka-1', 'kafka-2', 'kafka-3'].map((s) => services[s]?.ports[0])).toEqual(
      bootstrapFor(3).map((address) => `${address}:${address.split(':')[1]}`),
    );
    expect(services['kafka-2']?.environment.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(
      '1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093',
    );
    expect(services['kafka-3']?.environment.KAFKA_ADVERTISED_LISTENERS).toBe(
      'EXTERNAL://127.0.0.1:39092,INTERNAL://kafka-3:9094',
    );
    expect(services['kafka-1']?.environment.CLUSTER_ID).toBe(COMPOSE_CLUSTER_ID);
  });

  it('gives each service the same broker settings as the JVM mode', () => {
    const { services } = composeModel(KAFKA_VERSION) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    const expectations: [string, 1 | 3][] = [
      ['kafka', 1],
      ['kafka-1', 3],
      ['kafka-2', 3],
      ['kafka-3', 3],
    ];
    for (const [service, nodes] of expectations) {
      for (const [property, value] of Object.entries(clusterSettings(nodes))) {
        expect({ service, property, value: services[service]?.environment[envName(property)] }).toEqual({
          service,
          property,
          value,
        });
      }
    }
  });

  it('names environment variables the way the apache/kafka image reads them', () => {
    expect(envName('min.insync.replicas')).toBe('KAFKA_MIN_INSYNC_REPLICAS');
    expect(envName('a_b-c.d')).toBe('KAFKA_A__B___C_D');
    expect(COMPOSE_CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('java version', () => {
  it('reads the major version of old and new JDKs', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('nonsense')).toBeUndefined();
  });
});
