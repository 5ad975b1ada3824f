/**
 * Figures and how they are shown: a table on stdout, and (with --json FILE) one JSON entry per figure:
 * `{ name, unit, value, baseline, ratio, target, better }`, ratio = value / baseline.
 */
import { writeFile } from 'node:fs/promises';

export type Better = 'higher' | 'lower';

/** One JSON entry. `target` is a ratio; null marks a figure given for reading others against (no target). */
export interface Figure {
  name: string;
  unit: string;
  value: number;
  baseline: number;
  ratio: number;
  target: number | null;
  better: Better;
}

/** A figure plus what only the printed table shows. */
export interface Result extends Figure {
  /** What the value measures, e.g. "emulator, batch 10000". */
  subject: string;
  /** What the baseline is, e.g. "kafkajs eachBatch + JSON.parse". */
  against: string;
  /** Extra observations (spread of runs, order checks), printed under the table. */
  notes: string[];
}

export interface ResultInput {
  name: string;
  unit: string;
  value: number;
  baseline: number;
  target: number | null;
  better: Better;
  subject: string;
  against: string;
  notes?: string[];
}

export function result(input: ResultInput): Result {
  return { ...input, ratio: input.value / input.baseline, notes: input.notes ?? [] };
}

/** Whether a result meets its target; undefined when it has none. */
export function meets(r: Figure): boolean | undefined {
  if (r.target === null) return undefined;
  return r.better === 'higher' ? r.ratio >= r.target : r.ratio <= r.target;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A number with about three significant digits and thousands separators. */
export function formatNumber(n: number): string {
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** The samples of a figure, for the notes: "runs 101,000 / 98,200 / 99,400". */
export function describeRuns(label: string, samples: readonly number[], unit: string): string {
  return `${label}: runs ${samples.map(formatNumber).join(' / ')} ${unit}`;
}

const targetText = (r: Figure): string =>
  r.target === null ? '-' : `${r.better === 'higher' ? '>=' : '<='} ${formatNumber(r.target)}`;

const verdict = (r: Figure): string => {
  const ok = meets(r);
  return ok === undefined ? 'info' : ok ? 'met' : 'MISSED';
};

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The figures side by side with their baselines, then what was measured against what, then the notes. */
export function renderTable(results: readonly Result[]): string {
  const rows = [
    ['benchmark', 'value', 'baseline', 'unit', 'ratio', 'target', ''],
    ...results.map((r) => [
      r.name,
      formatNumber(r.value),
      formatNumber(r.baseline),
      r.unit,
      formatNumber(r.ratio),
      targetText(r),
      verdict(r),
    ]),
  ];
  const legend = results.map((r) => `- ${r.name}: ${r.subject} vs ${r.against}`);
  const notes = results.flatMap((r) => r.notes.map((n) => `- ${r.name}: ${n}`));
  return [table(rows), '', 'value vs baseline:', ...legend, '', 'notes:', ...notes].join('\n');
}

export async function writeJson(file: string, results: readonly Result[]): Promise<void> {
  const figures: Figure[] = results.map(({ name, unit, value, baseline, ratio, target, better }) => ({
    name,
    unit,
    value,
    baseline,
    ratio,
    target,
    better,
  }));
  await writeFile(file, JSON.stringify(figures, null, 2) + '\n');
}
