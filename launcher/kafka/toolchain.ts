/** Finds out how Kafka can run here: a Docker engine with Compose, or a JDK (17+) plus Maven for the jars. */
import { run } from './exec';

export type Mode = 'jvm' | 'docker';

/** Kafka 4.x brokers need Java 17 or newer. */
export const MIN_JAVA_MAJOR = 17;

export type Probe<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The compose command (`docker compose`) when a Docker engine answers `docker info`. */
export async function probeDocker(): Promise<Probe<string[]>> {
  const info = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 });
  if (info.code !== 0) {
    const why = info.failure ?? (info.stderr.trim().split('\n')[0] || `exit code ${info.code}`);
    return { ok: false, reason: `no Docker engine (\`docker info\`: ${why})` };
  }
  // Compose v2 only: the file uses `name:` and profiles, which the old Python docker-compose does not read.
  const version = await run('docker', ['compose', 'version'], { timeoutMs: 10_000 });
  if (version.code === 0) return { ok: true, value: ['docker', 'compose'] };
  return { ok: false, reason: 'a Docker engine runs but the Compose plugin (`docker compose`) is missing' };
}

/** Major Java version from `java -version` output ("1.8.0_392" -> 8, "17.0.15" -> 17, "21" -> 21). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

export async function probeJava(): Promise<Probe<number>> {
  const result = await run('java', ['-version'], { timeoutMs: 20_000 });
  if (result.code !== 0)
    return { ok: false, reason: `no Java (\`java -version\`: ${result.failure ?? 'failed'})` };
  const major = parseJavaMajor(`${result.stderr}\n${result.stdout}`);
  if (major === undefined) return { ok: false, reason: 'cannot read the Java version from `java -version`' };
  if (major < MIN_JAVA_MAJOR) {
    return { ok: false, reason: `Java ${major} found; Kafka needs Java ${MIN_JAVA_MAJOR} or newer` };
  }
  return { ok: true, value: major };
}

export async function probeMaven(): Promise<Probe<true>> {
  const result = await run('mvn', ['-v'], { timeoutMs: 30_000 });
  return result.code === 0
    ? { ok: true, value: true }
    : { ok: false, reason: `no Maven (\`mvn -v\`: ${result.failure ?? 'failed'})` };
}

/** `KAFKA_LOCAL_MODE=jvm|docker` forces a mode; anything else is an error rather than a silent fallback. */
export function modeFromEnv(env: NodeJS.ProcessEnv = process.env): Mode | undefined {
  const raw = env.KAFKA_LOCAL_MODE?.trim();
  if (!raw) return undefined;
  if (raw === 'jvm' || raw === 'docker') return raw;
  throw new Error(`KAFKA_LOCAL_MODE must be "jvm" or "docker", not "${raw}".`);
}
