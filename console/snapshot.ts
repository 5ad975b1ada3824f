import type { HandlerStats, ReloadEvent } from '../shared/emulator';
import type { HandlerView, Snapshot } from './protocol';

/** Samples kept per handler: ten minutes at one a second. */
const HISTORY = 600;
const RECENT_SHOWN = 20;

/** What the console draws a handler from: the emulator's counters, or a stack's committed-offset figures. */
export type HandlerFigures = Pick<HandlerStats, 'handled' | 'partitionLag' | 'recent'> &
  Partial<
    Pick<
      HandlerStats,
      | 'deadLettered'
      | 'retries'
      | 'filtered'
      | 'invocationErrors'
      | 'timeouts'
      | 'reportedFailures'
      | 'discarded'
      | 'metrics'
    >
  >;

/** Where the live figures come from. */
export interface LiveFigures {
  readonly kind: Snapshot['figures'];
  readonly stats: ReadonlyMap<string, HandlerFigures>;
  readonly reloads: readonly ReloadEvent[];
  /** Reads what changes outside this process (lag, committed offsets). */
  refresh(): Promise<void>;
}

/**
 * Turns running totals into what the page draws: counts, a records/s history (from the difference between ticks),
 * lag per partition and the latest failures.
 */
export class SnapshotBuilder {
  private readonly history = new Map<string, { handled: number; at: number; rates: [number, number][] }>();

  tick(
    live: Pick<LiveFigures, 'stats' | 'reloads'> & { kind?: LiveFigures['kind'] },
    now: number,
    kafkaError?: string,
    target = '',
  ): Snapshot {
    const handlers: HandlerView[] = [];
    for (const [name, s] of live.stats) handlers.push(this.view(name, s, now));
    return {
      at: new Date(now).toISOString(),
      target,
      figures: live.kind ?? 'local',
      handlers,
      reloads: live.reloads.map((r) => ({ at: r.at.toISOString(), file: r.file, failures: r.failures })),
      ...(kafkaError !== undefined && { kafkaError }),
    };
  }

  private view(name: string, s: HandlerFigures, now: number): HandlerView {
    let h = this.history.get(name);
    if (!h) this.history.set(name, (h = { handled: s.handled, at: now, rates: [] }));
    const seconds = (now - h.at) / 1000;
    if (seconds > 0) {
      h.rates.push([Math.round(now / 1000), (s.handled - h.handled) / seconds]);
      if (h.rates.length > HISTORY) h.rates.shift();
      h.handled = s.handled;
      h.at = now;
    }
    const latest = s.metrics?.latest;
    return {
      name,
      metrics: s.metrics
        ? {
            documents: s.metrics.documents,
            totals: { ...s.metrics.totals },
            ...(latest && { latest: { ...latest, at: latest.at.toISOString() } }),
          }
        : null,
      counts: {
        handled: s.handled,
        deadLettered: s.deadLettered ?? null,
        retries: s.retries ?? null,
        filtered: s.filtered ?? null,
        invocationErrors: s.invocationErrors ?? null,
        timeouts: s.timeouts ?? null,
        reportedFailures: s.reportedFailures ?? null,
        discarded: s.discarded ?? null,
      },
      rates: [...h.rates],
      lag: s.partitionLag.map(({ topic, partition, committed, end, lag }) => ({
        topic,
        partition,
        committed,
        end,
        lag,
      })),
      recent: s.recent
        .slice(-RECENT_SHOWN)
        .reverse()
        .map((f) => ({ ...f, at: f.at.toISOString() })),
    };
  }
}
