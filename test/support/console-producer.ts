/**
 * A foreign producer: Apache Kafka's own console producer (Java client), from the launcher's jar cache. Where a
 * test is about the bytes on the wire (header order, null keys, values and header values), the records must come
 * from a client other than the framework's and kafkajs.
 */
import { spawn } from 'node:child_process';
import { classpath, ensureJars } from '../../launcher/kafka/jars';
import { repoFiles } from '../../launcher/kafka/paths';
import { KAFKA_VERSION } from '../../shared/kafka/version';

/** What stands for null in a line: a key, a value or a header value. */
export const NULL_MARKER = '<null>';

export interface ForeignRecord {
  /** In the order they are written; a name may repeat. */
  headers: [string, string][];
  key: string;
  value: string;
}

/** One line per record: `h1:v1,h2:v2<TAB>key<TAB>value` (parse.headers, parse.key, null.marker). */
function line({ headers, key, value }: ForeignRecord): string {
  return `${headers.map(([k, v]) => `${k}:${v}`).join(',')}\t${key}\t${value}\n`;
}

/** Writes the records with the Java console producer (acks=all) and resolves once it has exited cleanly. */
export async function produceWithJavaClient(
  brokers: string[],
  topic: string,
  records: ForeignRecord[],
): Promise<void> {
  await ensureJars(KAFKA_VERSION, () => {});
  const args = [
    '-cp',
    classpath(KAFKA_VERSION),
    `-Dlog4j2.configurationFile=${repoFiles.log4jConfig}`,
    'org.apache.kafka.tools.ConsoleProducer',
    '--bootstrap-server',
    brokers.join(','),
    '--topic',
    topic,
    '--producer-property',
    'acks=all',
    '--property',
    'parse.key=true',
    '--property',
    'parse.headers=true',
    '--property',
    `null.marker=${NULL_MARKER}`,
  ];
  const child = spawn('java', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(records.map(line).join(''));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0 || /Exception/.test(stderr))
    throw new Error(`the console producer failed (exit ${code}):\n${stderr.slice(-2000)}`);
}
