/** The cluster's recorded shape (state.json in the cluster dir): what `up` started, read by every other command. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type NodeCount, isNodeCount } from './config';
import { stateFile } from './paths';
import type { Mode } from './toolchain';

export interface ClusterState {
  mode: Mode;
  nodes: NodeCount;
  kafkaVersion: string;
  /** KRaft cluster id the JVM nodes' data dirs were formatted with. */
  clusterId: string;
  createdAt: string;
  /** Who started it (e.g. "jest" for the test harness), so a leftover from an interrupted run can be cleaned. */
  startedBy?: string;
}

function isClusterState(value: unknown): value is ClusterState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.mode === 'jvm' || v.mode === 'docker') &&
    typeof v.nodes === 'number' &&
    isNodeCount(v.nodes) &&
    typeof v.kafkaVersion === 'string' &&
    typeof v.clusterId === 'string' &&
    typeof v.createdAt === 'string' &&
    (v.startedBy === undefined || typeof v.startedBy === 'string')
  );
}

export async function readState(): Promise<ClusterState | undefined> {
  const file = stateFile();
  if (!existsSync(file)) return undefined;
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!isClusterState(parsed)) {
    throw new Error(
      `${file} is not a cluster state written by this launcher; remove it (or its folder) by hand.`,
    );
  }
  return parsed;
}

export async function writeState(state: ClusterState): Promise<void> {
  const file = stateFile();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeState(): Promise<void> {
  await rm(stateFile(), { force: true });
}
