/**
 * Sustained, bounded traffic into the scenario's `changes` topic: up to `ratePerSecond` records a second for
 * `durationMs` (and, when the scenario asks, until its condition holds, within `maxDurationMs`), then it stops by
 * itself. A slow send delays only its own worker, which then catches up. Records of one key are sent strictly one after the other (the next only once the previous
 * publish settled), so each key's acknowledged records are in the log in the order they were sent; keys are spread
 * over `workers` concurrent senders. Every publish ends up in exactly one list: `acked` (its promise resolved:
 * all in-sync replicas have it) or `rejected` (its promise rejected, with the error). Nothing is dropped silently.
 */
import { errorMessage } from '../../../shared/errors';
import { createKafkaSink } from '../../../shared/kafka/sink';
import { createProducer } from '../../../shared/producer';
import type { Topic } from '../../../shared/declarations/topic';
import type { Change } from '../app/topics';

/** What a record is meant to do: be handled, make the handler throw, be undecodable, violate the schema, or hang. */
export type Kind = 'ok' | 'fail' | 'decode' | 'schema' | 'linger';

export interface Sent {
  /** `<key>/<seq>`: unique per record; also sent as the `rel.id` header, which dead letters keep. */
  id: string;
  index: number;
  key: string;
  seq: number;
  delta: number;
  kind: Kind;
}

export interface Rejection {
  sent: Sent;
  error: string;
}

export interface TrafficOptions {
  brokers: string[];
  topic: Topic<Change>;
  /** Sends for at least this long... */
  durationMs: number;
  /** ...and then until `until()` holds (a scenario keeps the stream going through its fault), at most this long. */
  maxDurationMs?: number;
  until?: () => boolean;
  ratePerSecond: number;
  /** Number of distinct keys; a multiple of `workers`. */
  keys: number;
  workers: number;
  /** What record `index` is; default: every record is 'ok'. */
  kindOf?: (index: number) => Kind;
}

export const ID_HEADER = 'rel.id';

/** Whether a record of this kind is meant to reach the handler's output (the rest is meant for the dead letters). */
export const handleable = (kind: Kind): boolean => kind === 'ok' || kind === 'linger';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Traffic {
  readonly acked: Sent[] = [];
  readonly rejected: Rejection[] = [];
  /** When each acknowledged record's publish resolved (epoch ms), by id. */
  readonly ackedAt = new Map<string, number>();
  /** Publishes started (acked + rejected + still pending). */
  attempted = 0;
  readonly startedAt = Date.now();
  endedAt: number | undefined;
  /** Whether the stream stopped at `maxDurationMs` rather than because the scenario's condition held. */
  hitMaxDuration = false;
  /** Resolves once every publish settled and the producers disconnected; never rejects. */
  readonly done: Promise<void>;

  private constructor(private readonly o: TrafficOptions) {
    if (o.keys % o.workers !== 0) throw new Error('keys must be a multiple of workers');
    this.done = this.run();
  }

  static start(o: TrafficOptions): Traffic {
    return new Traffic(o);
  }

  /** Pending publishes right now. */
  get inFlight(): number {
    return this.attempted - this.acked.length - this.rejected.length;
  }

  describe(index: number): Sent {
    const key = `k${index % this.o.keys}`;
    const seq = Math.floor(index / this.o.keys);
    return {
      id: `${key}/${seq}`,
      index,
      key,
      seq,
      delta: 1 + (index % 9),
      kind: this.o.kindOf?.(index) ?? 'ok',
    };
  }

  private async run(): Promise<void> {
    const { brokers, durationMs, ratePerSecond, workers } = this.o;
    const producer = createProducer({ brokers, clientId: 'reliability-traffic' });
    const raw = createKafkaSink({ brokers, clientId: 'reliability-traffic-raw' });
    const minEnd = this.startedAt + durationMs;
    const hardEnd = this.startedAt + Math.max(durationMs, this.o.maxDurationMs ?? durationMs);
    const over = (): boolean => {
      const now = Date.now();
      if (now >= hardEnd) this.hitMaxDuration = this.o.until !== undefined;
      return now >= hardEnd || (now >= minEnd && (this.o.until?.() ?? true));
    };
    const send = async (sent: Sent): Promise<void> => {
      const headers = { [ID_HEADER]: sent.id };
      const { key, seq, delta } = sent;
      if (sent.kind === 'decode' || sent.kind === 'schema') {
        const value =
          sent.kind === 'decode'
            ? `{"key":"${key}","seq":${seq},"delta":` // cut short: not JSON
            : JSON.stringify({ key, seq: `seq-${seq}`, delta }); // seq is not a number
        await raw.send([
          {
            topic: this.o.topic.name,
            key: Buffer.from(key),
            value: Buffer.from(value),
            headers: [{ key: ID_HEADER, value: Buffer.from(sent.id) }],
          },
        ]);
      } else {
        const value: Change = { key, seq, delta };
        if (sent.kind === 'fail') value.fail = true;
        if (sent.kind === 'linger') value.linger = true;
        await producer.publish(this.o.topic, value, { headers });
      }
    };
    const worker = async (w: number): Promise<void> => {
      for (let index = w; ; index += workers) {
        const at = this.startedAt + (index * 1000) / ratePerSecond;
        const wait = at - Date.now();
        if (wait > 0) await sleep(wait); // pacing, not settling
        if (over()) return; // bounded in time even when sends are slow
        const sent = this.describe(index);
        this.attempted++;
        try {
          await send(sent);
          this.acked.push(sent);
          this.ackedAt.set(sent.id, Date.now());
        } catch (error) {
          this.rejected.push({ sent, error: errorMessage(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
    this.endedAt = Date.now();
    await Promise.all([producer.disconnect(), raw.disconnect()]).catch(() => undefined);
  }

  /** Rejections grouped by error message, for the printout. */
  rejectionSummary(): string {
    const counts = new Map<string, number>();
    for (const r of this.rejected) counts.set(r.error, (counts.get(r.error) ?? 0) + 1);
    return [...counts].map(([error, n]) => `${n} x ${error}`).join('; ') || 'none';
  }
}
