// `node dist/bench/compare.js [results.json]`: compares a run (bench/results.json by default) with the
// newest run committed in docs/benchmarks/, within the spread of docs/benchmarks/spread.json.
// `npm run bench -- --compare` does the same right after a run. Exits 2 if a row regressed.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compareRuns, latestCommitted, type RunLike, type SpreadFile } from './lib/compare.js';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
export const BENCH_DOCS = root('docs/benchmarks');
export const SPREAD_FILE = root('docs/benchmarks/spread.json');

/** Prints the comparison of `current` with the newest committed run; returns how many rows regressed. */
export function printComparison(current: RunLike): number {
  const committed = latestCommitted(BENCH_DOCS);
  if (!committed) {
    process.stdout.write('compare: no results-*.json in docs/benchmarks\n');
    return 0;
  }
  const spread = existsSync(SPREAD_FILE) ? (JSON.parse(readFileSync(SPREAD_FILE, 'utf8')) as SpreadFile) : undefined;
  const { lines, regressions } = compareRuns(current, committed.run, spread);
  process.stdout.write(`\nCompared with ${committed.file} (${committed.run.date}); change of each ratio to its floor, positive is worse:\n`);
  for (const line of lines) process.stdout.write(`  ${line}\n`);
  process.stdout.write(`${regressions} regression(s) beyond the measured spread\n`);
  return regressions;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? root('bench/results.json');
  process.exitCode = printComparison(JSON.parse(readFileSync(file, 'utf8')) as RunLike) > 0 ? 2 : 0;
}
