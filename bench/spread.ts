// `node dist/bench/spread.js results-a.json results-b.json ...`: the run-to-run spread of every row's
// ratio over repeated full runs of the same code, written to docs/benchmarks/spread.json for compare.
import { readFileSync, writeFileSync } from 'node:fs';
import { SPREAD_FILE } from './compare.js';
import { relativeSpread, rowKey, type RunLike, type SpreadFile } from './lib/compare.js';

const files = process.argv.slice(2);
if (files.length < 2) {
  process.stderr.write('usage: node dist/bench/spread.js <results.json> <results.json> [...]: at least two runs\n');
  process.exit(1);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunLike);
const ratios = new Map<string, number[]>();
for (const run of runs) {
  for (const figure of run.figures) {
    for (const row of figure.rows ?? []) {
      if (row.ratio === undefined) continue;
      const key = rowKey(figure.id, row.metric);
      ratios.set(key, [...(ratios.get(key) ?? []), row.ratio]);
    }
  }
}
const spread: SpreadFile = {
  measured: new Date().toISOString(),
  runs: runs.map((r) => String(r.date)),
  rows: Object.fromEntries(
    [...ratios]
      .filter(([, list]) => list.length >= 2)
      .map(([key, list]) => [key, { ratios: list, relativeSpread: Math.round(relativeSpread(list) * 1000) / 1000 }]),
  ),
};
writeFileSync(SPREAD_FILE, `${JSON.stringify(spread, null, 2)}\n`);
for (const [key, { ratios: list, relativeSpread: s }] of Object.entries(spread.rows)) {
  process.stdout.write(`${key}: ratios ${list.join(', ')}; spread ±${(s * 100).toFixed(1)}%\n`);
}
process.stdout.write(`wrote ${SPREAD_FILE}\n`);
