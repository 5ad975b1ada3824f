/**
 * Class-data sharing (AppCDS) for the local JVMs: mapping a pre-parsed class archive makes a broker start roughly
 * 40% faster (most of its start is loading classes). JDK 17 can only dump such an archive when a JVM exits
 * (-XX:ArchiveClassesAtExit), so the first format run, and the first broker of a cluster stopped cleanly by `down`,
 * each record one; later runs map it (-XX:SharedArchiveFile). An archive only fits the exact JDK build and jar set,
 * so it lives in the version's jar folder (dropped with it) under a hash of `java -version`. A JVM that cannot use
 * an archive says so in its log and runs without it. KAFKA_LOCAL_CDS=0 turns all of this off.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec';
import { jarsDir } from './paths';

export type ArchiveKind = 'broker' | 'format';

export interface ArchivePlan {
  /** JVM flags: map the archive, record one at exit, or nothing. */
  flags: string[];
  /** Set when recording: the file the JVM writes at exit, to promote once it exited cleanly. */
  pending?: string;
}

let javaBuild: Promise<string> | undefined;

/** A short hash of `java -version` (the JDK build an archive belongs to). */
function javaBuildKey(): Promise<string> {
  javaBuild ??= run('java', ['-version'], { timeoutMs: 20_000 }).then((result) =>
    createHash('sha256').update(`${result.stderr}${result.stdout}`).digest('hex').slice(0, 12),
  );
  return javaBuild;
}

function enabled(): boolean {
  return process.env.KAFKA_LOCAL_CDS !== '0';
}

async function archiveFile(kind: ArchiveKind, kafkaVersion: string): Promise<string> {
  return join(jarsDir(kafkaVersion), `cds-${await javaBuildKey()}`, `${kind}.jsa`);
}

/** Flags for one JVM; `record` asks to dump an archive at exit when there is none yet. */
export async function archivePlan(
  kind: ArchiveKind,
  kafkaVersion: string,
  record: boolean,
): Promise<ArchivePlan> {
  if (!enabled()) return { flags: [] };
  const file = await archiveFile(kind, kafkaVersion);
  if (existsSync(file)) return { flags: [`-XX:SharedArchiveFile=${file}`] };
  if (!record) return { flags: [] };
  await mkdir(join(file, '..'), { recursive: true });
  const pending = `${file}.${process.pid}-${Date.now()}.tmp`;
  return { flags: [`-XX:ArchiveClassesAtExit=${pending}`], pending };
}

/** After a clean exit: the recorded archive becomes the one later JVMs map. */
export async function promoteArchive(pending: string): Promise<void> {
  const size = await stat(pending).then(
    (s) => s.size,
    () => 0,
  );
  if (size === 0) return discardArchive(pending);
  await rename(pending, pending.replace(/\.[^.]+\.tmp$/, ''));
}

/** After a crash or a kill: a half-written archive is thrown away. */
export async function discardArchive(pending: string): Promise<void> {
  await rm(pending, { force: true });
}
