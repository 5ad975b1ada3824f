/**
 * The live figures the console draws. Locally they are the emulator's own counters. For a deployed stack no
 * counter reaches the console (nothing runs for it between requests): records/s and lag per handler are derived
 * from its consumer groups' committed offsets, read through the operations function at each refresh.
 */
import type { Emulator } from '../shared/emulator';
import type { ClusterTools, PartitionLag } from '../shared/operations';
import type { HandlerFigures, LiveFigures } from './snapshot';

export function emulatorFigures(emulator: Emulator): LiveFigures {
  return {
    kind: 'local',
    stats: emulator.stats,
    reloads: emulator.reloads,
    refresh: () => emulator.refreshLag(),
  };
}

/** Offsets committed over a group's partitions: where it stands (a partition with no commit counts from its start). */
const committedSum = (rows: readonly PartitionLag[]): number =>
  rows.reduce((sum, r) => sum + (r.committed ?? r.low), 0);

/** Figures from committed offsets: `handled` counts records committed since the console started. */
export class CommittedOffsetFigures implements LiveFigures {
  readonly kind = 'offsets';
  readonly reloads = [];
  readonly stats = new Map<string, HandlerFigures>();
  private readonly baseline = new Map<string, number>();

  constructor(private readonly tools: ClusterTools) {}

  async refresh(): Promise<void> {
    const groups = await this.tools.call({ action: 'groups' });
    for (const handler of new Set(groups.map((g) => g.handler))) {
      const rows = groups.filter((g) => g.handler === handler).flatMap((g) => g.partitions);
      const committed = committedSum(rows);
      if (!this.baseline.has(handler)) this.baseline.set(handler, committed);
      this.stats.set(handler, {
        handled: committed - this.baseline.get(handler)!,
        partitionLag: rows,
        recent: [],
      });
    }
  }
}
