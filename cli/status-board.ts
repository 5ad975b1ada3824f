/**
 * The terminal side of `dev`: one line per handler, redrawn in place on a terminal, printed as plain lines
 * elsewhere. Failures are counted per kind since the previous refresh, so a burst of bad records shows as a number
 * instead of scrolling the status away.
 */
import type { HandlerStats } from '../shared/emulator';

type Counted = Pick<
  HandlerStats,
  'handled' | 'deadLettered' | 'reportedFailures' | 'invocationErrors' | 'timeouts' | 'discarded' | 'filtered'
> & { lag: ReadonlyMap<string, number> };

/** The failure kinds the board counts, with the label each gets. */
const FAILURE_KINDS = [
  ['deadLettered', 'dead-lettered'],
  ['reportedFailures', 'reported'],
  ['invocationErrors', 'errors'],
  ['timeouts', 'timeouts'],
  ['discarded', 'discarded'],
] as const;

type Snapshot = Record<'handled' | (typeof FAILURE_KINDS)[number][0], number>;

const snapshotOf = (s: Counted): Snapshot => ({
  handled: s.handled,
  deadLettered: s.deadLettered,
  reportedFailures: s.reportedFailures,
  invocationErrors: s.invocationErrors,
  timeouts: s.timeouts,
  discarded: s.discarded,
});

const lagOf = (s: Counted): number => [...s.lag.values()].reduce((a, b) => a + b, 0);

/** Remembers the counts of the previous refresh, so each refresh shows rates and what happened since. */
export class StatusCounter {
  private readonly previous = new Map<string, Snapshot>();

  /** Per handler: records/s and each failure kind's count since the previous call. */
  next(stats: ReadonlyMap<string, Counted>, seconds: number): BoardRow[] {
    return [...stats].map(([name, s]) => {
      const now = snapshotOf(s);
      const before = this.previous.get(name) ?? { ...now, handled: 0, ...zeroFailures() };
      this.previous.set(name, now);
      const failures: Record<string, number> = {};
      for (const [field, label] of FAILURE_KINDS) {
        const delta = now[field] - before[field];
        if (delta > 0) failures[label] = delta;
      }
      return {
        name,
        rate: (now.handled - before.handled) / seconds,
        handled: s.handled,
        lag: lagOf(s),
        failures,
        stats: s,
      };
    });
  }
}

function zeroFailures(): Omit<Snapshot, 'handled'> {
  return { deadLettered: 0, reportedFailures: 0, invocationErrors: 0, timeouts: 0, discarded: 0 };
}

export interface BoardRow {
  name: string;
  rate: number;
  handled: number;
  lag: number;
  /** Failures since the previous refresh, by kind (kinds with none left out). */
  failures: Record<string, number>;
  stats: Counted;
}

const failureText = (f: Record<string, number>): string =>
  Object.entries(f)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ') || '-';

/** The board: a header and one line per handler, cut to the terminal's width. */
export function renderBoard(rows: readonly BoardRow[], width = 120): string[] {
  const nameWidth = Math.max(7, ...rows.map((r) => r.name.length));
  const line = (name: string, rate: string, handled: string, lag: string, failures: string): string =>
    `${name.padEnd(nameWidth)}  ${rate.padStart(7)}  ${handled.padStart(9)}  ${lag.padStart(7)}  ${failures}`.slice(
      0,
      width,
    );
  return [
    line('handler', 'rec/s', 'handled', 'lag', 'failures since last refresh'),
    ...rows.map((r) =>
      line(r.name, r.rate.toFixed(0), String(r.handled), String(r.lag), failureText(r.failures)),
    ),
  ];
}

/** The plain status lines printed when stdout is not a terminal (CI, pipes): totals as well as rates. */
export function plainLines(rows: readonly BoardRow[]): string[] {
  return rows.map(({ name, rate, stats: s }) => {
    const lag = [...s.lag].map(([topic, n]) => `${topic}=${n}`).join(' ');
    return `${name.padEnd(24)} ${rate.toFixed(0).padStart(6)} rec/s  handled ${s.handled}  dead-lettered ${s.deadLettered}  errors ${s.invocationErrors}  timeouts ${s.timeouts}  filtered ${s.filtered}  discarded ${s.discarded}  lag ${lagOf(s)}${lag ? ` (${lag})` : ''}`;
  });
}

/** ANSI: cursor up `n` lines, to column 1, and clear to the end of the screen. */
const rewind = (n: number): string => (n > 0 ? `\x1b[${n}A\r\x1b[0J` : '');

/**
 * A block of lines kept at the bottom of a terminal: `draw` replaces it in place; `say` prints a line above it
 * (start-up messages, reloads) and draws it again below.
 */
export class StatusBoard {
  private lines: string[] = [];

  constructor(private readonly write: (text: string) => void) {}

  draw(lines: string[]): void {
    this.write(rewind(this.lines.length) + lines.map((l) => l + '\n').join(''));
    this.lines = lines;
  }

  say(line: string): void {
    this.write(rewind(this.lines.length) + line + '\n' + this.lines.map((l) => l + '\n').join(''));
  }
}
