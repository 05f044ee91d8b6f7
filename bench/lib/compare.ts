// Compares a run with a committed one, figure by figure: the change of each row's ratio to its floor,
// flagged as a regression only beyond the run-to-run spread measured for that row (docs/benchmarks/spread.json).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from './results.js';

/** What compare needs of a run: bench/results.json, or the figures of a run in progress. */
export interface RunLike {
  readonly date?: string;
  readonly figures: readonly { readonly id: string; readonly number: number; readonly rows?: readonly Row[] }[];
}

/** Per row (`<figure id>/<metric>`), the ratios of repeated runs and their relative spread. */
export interface SpreadFile {
  readonly measured: string;
  readonly runs: readonly string[];
  readonly rows: { readonly [key: string]: { readonly ratios: readonly number[]; readonly relativeSpread: number } };
}

export interface Comparison {
  readonly lines: string[];
  readonly regressions: number;
}

export const rowKey = (figureId: string, metric: string): string => `${figureId}/${metric}`;

/** Throughput rows (a unit per second) are better higher; times, memory and bytes are better lower. */
export const higherIsBetter = (unit: string): boolean => unit.endsWith('/s');

/** (max − min) / median of the ratios: how far two runs of the same code drift apart here. */
export function relativeSpread(ratios: readonly number[]): number {
  const sorted = [...ratios].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return median === 0 ? 0 : (sorted.at(-1)! - sorted[0]!) / median;
}

/** The committed run to compare with: the newest `results-*.json` of `dir` by its `date`. */
export function latestCommitted(dir: string): { file: string; run: RunLike } | undefined {
  const runs = readdirSync(dir)
    .filter((f) => /^results-.*\.json$/.test(f))
    .map((file) => ({ file: join(dir, file), run: JSON.parse(readFileSync(join(dir, file), 'utf8')) as RunLike }));
  runs.sort((a, b) => String(a.run.date).localeCompare(String(b.run.date)));
  return runs.at(-1);
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/**
 * One line per row present in both runs: baseline ratio → current ratio, the change (positive is
 * worse), the spread allowed, and a verdict. A row whose spread was never measured is reported,
 * not judged.
 */
export function compareRuns(current: RunLike, baseline: RunLike, spread: SpreadFile | undefined): Comparison {
  const lines: string[] = [];
  let regressions = 0;
  for (const figure of current.figures) {
    const before = baseline.figures.find((f) => f.id === figure.id);
    for (const row of figure.rows ?? []) {
      const old = before?.rows?.find((r) => r.metric === row.metric);
      const label = `${figure.number} ${figure.id}: ${row.metric}`;
      if (row.ratio === undefined || old?.ratio === undefined) {
        lines.push(`${label}: no ratio in ${old ? 'this run' : 'the committed run'}`);
        continue;
      }
      // Positive: worse than the committed run, whichever way the row counts as better.
      const change = higherIsBetter(row.unit) ? (old.ratio - row.ratio) / old.ratio : (row.ratio - old.ratio) / old.ratio;
      const allowed = spread?.rows[rowKey(figure.id, row.metric)]?.relativeSpread;
      const verdict =
        allowed === undefined ? 'spread not measured' : change > allowed ? 'REGRESSION' : change < -allowed ? 'better' : 'within spread';
      if (verdict === 'REGRESSION') regressions += 1;
      const spreadText = allowed === undefined ? '' : `, spread ±${(allowed * 100).toFixed(1)}%`;
      lines.push(`${label}: ratio ${old.ratio.toFixed(3)} → ${row.ratio.toFixed(3)} (${pct(change)} worse${spreadText}): ${verdict}`);
    }
  }
  return { lines, regressions };
}
