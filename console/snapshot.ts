import type { Emulator, HandlerStats } from '../shared/emulator';
import type { HandlerView, Snapshot } from './protocol';

/** Samples kept per handler: ten minutes at one a second. */
const HISTORY = 600;
const RECENT_SHOWN = 20;

/**
 * Turns the emulator's running totals into what the page draws: counts, a records/s history (from the difference
 * between ticks), lag per partition and the latest failures.
 */
export class SnapshotBuilder {
  private readonly history = new Map<string, { handled: number; at: number; rates: [number, number][] }>();

  tick(emulator: Pick<Emulator, 'stats' | 'reloads'>, now: number, kafkaError?: string): Snapshot {
    const handlers: HandlerView[] = [];
    for (const [name, s] of emulator.stats) handlers.push(this.view(name, s, now));
    return {
      at: new Date(now).toISOString(),
      handlers,
      reloads: emulator.reloads.map((r) => ({ at: r.at.toISOString(), file: r.file, failures: r.failures })),
      ...(kafkaError !== undefined && { kafkaError }),
    };
  }

  private view(name: string, s: HandlerStats, now: number): HandlerView {
    let h = this.history.get(name);
    if (!h) this.history.set(name, (h = { handled: s.handled, at: now, rates: [] }));
    const seconds = (now - h.at) / 1000;
    if (seconds > 0) {
      h.rates.push([Math.round(now / 1000), (s.handled - h.handled) / seconds]);
      if (h.rates.length > HISTORY) h.rates.shift();
      h.handled = s.handled;
      h.at = now;
    }
    const latest = s.metrics.latest;
    return {
      name,
      metrics: {
        documents: s.metrics.documents,
        totals: { ...s.metrics.totals },
        ...(latest && { latest: { ...latest, at: latest.at.toISOString() } }),
      },
      counts: {
        handled: s.handled,
        deadLettered: s.deadLettered,
        retries: s.retries,
        filtered: s.filtered,
        invocationErrors: s.invocationErrors,
        timeouts: s.timeouts,
        reportedFailures: s.reportedFailures,
        discarded: s.discarded,
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
