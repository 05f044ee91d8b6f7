// Prints bench/results.json (the last `npm run bench`) as the Markdown tables of docs/BENCHMARKS.md,
// so that the document quotes the run and nothing else: `node dist/bench/report.js`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FigureResult, MachineRun, Summary } from './lib/results.js';

interface Results {
  date: string;
  durationS: number;
  machine: MachineRun;
  figures: (FigureResult & { met?: boolean; error?: string; wallS: number })[];
}

const results = JSON.parse(readFileSync(fileURLToPath(new URL('../../bench/results.json', import.meta.url)), 'utf8')) as Results;

function fmt(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
const cell = (s: Summary, unit: string) => `${fmt(s.median)} ${unit} (${fmt(s.min)} … ${fmt(s.max)}, n=${s.n})`;

const m = results.machine;
const out: string[] = [
  `Run of ${results.date} (${results.durationS} s): ${m.cpuModel} × ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}. ` +
    `Load average before/after: ${m.loadAverageBefore.join(',')} / ${m.loadAverageAfter.join(',')}; ` +
    `share of a core a spinning process got before/after: ${m.cpuShareBefore} / ${m.cpuShareAfter}.`,
  '',
  '| # | figure: metric | median (min … max, n) | floor: median (min … max, n) | ratio | goal | |',
  '|---|---|---|---|---|---|---|',
];
for (const f of results.figures) {
  if (f.error !== undefined) {
    out.push(`| ${f.number} | ${f.title}: not measured (${f.error.split('\n')[0]}) | | | | | ERROR |`);
    continue;
  }
  for (const r of f.rows) {
    out.push(
      `| ${f.number} | ${f.title}: ${r.metric} | ${cell(r.value, r.unit)} | ${r.floor ? `${r.floor.what}: ${cell(r.floor.value, r.unit)}` : ''} | ` +
        `${r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : ''} | ${r.goal?.text ?? ''} | ${r.goal ? (r.goal.met ? 'pass' : '**miss**') : ''} |`,
    );
  }
}
process.stdout.write(`${out.join('\n')}\n`);
for (const f of results.figures) process.stdout.write(`\nfigure ${f.number} details: ${JSON.stringify(f.details ?? {})}\n`);
