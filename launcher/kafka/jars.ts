/**
 * The Kafka broker's jars, fetched once per Kafka version by Maven (launcher/kafka/pom.xml) into
 * `<home>/jars/<version>/`. A marker file written last tells a complete fetch; later starts never call Maven.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFailure, run } from './exec';
import { jarsDir, repoFiles } from './paths';
import { probeMaven } from './toolchain';

const MARKER = '.complete';

export function jarsCached(kafkaVersion: string): boolean {
  return existsSync(join(jarsDir(kafkaVersion), MARKER));
}

/** The java `-cp` value for the cached jars (the JVM expands the wildcard). */
export function classpath(kafkaVersion: string): string {
  return join(jarsDir(kafkaVersion), '*');
}

export async function ensureJars(kafkaVersion: string, log: (line: string) => void): Promise<string> {
  const dir = jarsDir(kafkaVersion);
  if (jarsCached(kafkaVersion)) return dir;

  const maven = await probeMaven();
  if (!maven.ok) {
    throw new Error(
      `The Kafka ${kafkaVersion} jars are not cached in ${dir} and ${maven.reason}: install Maven.`,
    );
  }
  log(`Fetching Kafka ${kafkaVersion} jars with Maven into ${dir} (first time only)...`);
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const started = Date.now();
  const result = await run(
    'mvn',
    [
      '-B',
      '-q',
      '--no-transfer-progress',
      '-Dstyle.color=never',
      '-f',
      repoFiles.pom,
      `-Dkafka.version=${kafkaVersion}`,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${partial}`,
    ],
    { timeoutMs: 10 * 60_000 },
  );
  const jars = existsSync(partial) ? (await readdir(partial)).filter((name) => name.endsWith('.jar')) : [];
  if (result.code !== 0 || !jars.includes(`kafka_2.13-${kafkaVersion}.jar`)) {
    await rm(partial, { recursive: true, force: true });
    throw new Error(
      `Maven could not fetch the Kafka ${kafkaVersion} jars (${repoFiles.pom}): ${describeFailure(result)}`,
    );
  }
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  await writeFile(join(dir, MARKER), `${jars.sort().join('\n')}\n`);
  log(`Fetched ${jars.length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return dir;
}
