// `npm run bench`: runs each figure in a fresh child process of its own (its own process group, so
// that nothing it forked can outlive it), prints the table and writes bench/results.json.
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { printComparison } from './compare.js';
import { processGroupMembers } from './lib/processes.js';
import type { FigureMessage, FigureResult, Machine, Row, Summary } from './lib/results.js';
import { sleep } from './lib/stats.js';

interface FigureSpec {
  readonly number: number;
  readonly id: string;
  readonly title: string;
  readonly execArgv?: string[];
}

const FIGURES: readonly FigureSpec[] = [
  { number: 1, id: 'in-process-restart', title: 'In-process worker restart' },
  { number: 2, id: 'process-restart', title: 'Supervisor process restart' },
  { number: 3, id: 'event-throughput', title: 'Event throughput, child process → events$' },
  { number: 4, id: 'boot', title: 'Boot of 8 supervisor processes' },
  { number: 5, id: 'memory', title: 'Memory per supervisor process' },
  { number: 6, id: 'scale', title: '10,000 in-process workers', execArgv: ['--expose-gc'] },
  { number: 7, id: 'start-child', title: 'startChild latency' },
  { number: 8, id: 'dynamic-scale', title: '100,000 dynamic children', execArgv: ['--expose-gc'] },
  { number: 9, id: 'calls', title: 'Call round trip and throughput' },
  { number: 10, id: 'first-response', title: 'First HTTP 200 after node main.js' },
  { number: 11, id: 'cluster-failover', title: 'Cluster: singleton failover after SIGKILL' },
  { number: 12, id: 'cluster-commands', title: 'Cluster: Redis commands per member per renewal' },
  { number: 13, id: 'cluster-spread', title: 'Cluster: spreading 1,000 partitions over 3 members' },
  { number: 14, id: 'cluster-calls', title: 'Cluster: routed call across members' },
];

/** A figure that takes longer than this is killed and reported as not measured. */
const FIGURE_TIMEOUT_MS = 180_000;
const RESULTS = fileURLToPath(new URL('../../bench/results.json', import.meta.url));

/** Process groups of figures still running: killed whole if this process is stopped or exits. */
const groups = new Set<number>();
const killGroup = (pgid: number) => {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // nothing left in it
  }
};
process.on('exit', () => groups.forEach(killGroup));
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.once(signal, () => {
    groups.forEach(killGroup);
    process.exit(code);
  });
}

interface FigureRun {
  readonly spec: FigureSpec;
  readonly result?: FigureResult;
  readonly error?: string;
  readonly wallS: number;
  /** Processes of the figure's group still alive after it exited (killed then): should be none. */
  readonly leftovers: number;
}

async function runOne(spec: FigureSpec): Promise<FigureRun> {
  const t0 = performance.now();
  const script = fileURLToPath(new URL(`./figures/${spec.id}.js`, import.meta.url));
  const child = fork(script, [], { execArgv: spec.execArgv ?? [], detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const pgid = child.pid!;
  groups.add(pgid);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => process.stderr.write(`  [${spec.id}] ${line}\n`));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const message = await new Promise<FigureMessage>((resolve) => {
    const timer = setTimeout(() => resolve({ t: 'error', error: `timed out after ${FIGURE_TIMEOUT_MS} ms` }), FIGURE_TIMEOUT_MS);
    child.once('message', (m: FigureMessage) => {
      clearTimeout(timer);
      resolve(m);
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve({ t: 'error', error: `the figure process exited (${child.exitCode ?? child.signalCode}) without a result` });
    });
  });
  await Promise.race([exited, sleep(10_000)]);
  // Supervisor processes whose parent is gone exit by themselves within 500 ms; give them that.
  await sleep(700);
  const leftovers = processGroupMembers(pgid).length;
  killGroup(pgid);
  groups.delete(pgid);
  const wallS = Math.round((performance.now() - t0) / 100) / 10;
  return message.t === 'result' ? { spec, result: message.result, wallS, leftovers } : { spec, error: message.error, wallS, leftovers };
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
const spread = (s: Summary) => `${fmt(s.min)} … ${fmt(s.max)}`;

function table(runs: readonly FigureRun[]): string {
  const header = ['#', 'figure: metric', 'n', 'median', 'min … max', 'floor median (min … max)', 'ratio', 'goal', ''];
  const lines: string[][] = [header];
  for (const run of runs) {
    if (!run.result) {
      lines.push([String(run.spec.number), `${run.spec.title}: NOT MEASURED (${run.error?.split('\n')[0]})`, '', '', '', '', '', '', 'ERROR']);
      continue;
    }
    for (const r of run.result.rows) {
      lines.push([
        String(run.result.number),
        `${run.result.title}: ${r.metric}`,
        String(r.value.n),
        `${fmt(r.value.median)} ${r.unit}`,
        spread(r.value),
        r.floor ? `${fmt(r.floor.value.median)} ${r.unit} (${spread(r.floor.value)}) n=${r.floor.value.n}` : '',
        r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '',
        r.goal?.text ?? '',
        r.goal ? (r.goal.met ? 'pass' : 'MISS') : '',
      ]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => Array.from(l[i]!).length)));
  return lines.map((l) => l.map((cell, i) => cell + ' '.repeat(widths[i]! - Array.from(cell).length)).join('  ').trimEnd()).join('\n');
}

/** A figure passes when every goal it has is met. */
const figureMet = (rows: readonly Row[]) => rows.filter((r) => r.goal).every((r) => r.goal!.met);

function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/**
 * The share of one core this process gets while it spins for `ms`: near 1 on an idle machine,
 * lower when other work competes for the CPU (and every figure is slowed with it).
 */
function cpuShare(ms = 500): number {
  const before = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    // spin
  }
  const used = process.cpuUsage(before);
  return Math.round(((used.user + used.system) / 1000 / (performance.now() - t0)) * 100) / 100;
}

const args = process.argv.slice(2);
const compare = args.includes('--compare');
// `--out <file>`: write the run's JSON there too, also for a selection of figures (e.g. docs/benchmarks/).
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : undefined;
if (outAt >= 0 && !out) throw new Error('--out needs a file name');
const selected = args.filter((a, i) => a !== '--compare' && (outAt < 0 || (i !== outAt && i !== outAt + 1)));
const figures = selected.length > 0 ? FIGURES.filter((f) => selected.includes(f.id) || selected.includes(String(f.number))) : FIGURES;
const started = new Date();
const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
const shareBefore = cpuShare();
const t0 = performance.now();
const runs: FigureRun[] = [];
for (const spec of figures) {
  process.stderr.write(`figure ${spec.number} (${spec.id}) ...\n`);
  const run = await runOne(spec);
  process.stderr.write(`figure ${spec.number} done in ${run.wallS} s${run.error ? `: ERROR ${run.error}` : ''}\n`);
  runs.push(run);
}
const durationS = Math.round((performance.now() - t0) / 100) / 10;
const shareAfter = cpuShare();
const loadAfter = os.loadavg().map((l) => Math.round(l * 100) / 100);

const info = machine();
process.stdout.write(`\nnestjs-supertrees benchmarks, ${started.toISOString()}\n`);
process.stdout.write(`${info.cpuModel} × ${info.cores}, ${info.memoryGiB} GiB, Node ${info.node}, ${info.platform}; load average before: ${loadBefore.join(' ')}, after: ${loadAfter.join(' ')}; share of a core a spinning process got before: ${shareBefore}, after: ${shareAfter}\n\n`);
process.stdout.write(`${table(runs)}\n\n`);
for (const run of runs) {
  const verdict = run.result ? (figureMet(run.result.rows) ? 'PASS' : 'MISS') : 'ERROR';
  const left = run.leftovers > 0 ? ` — ${run.leftovers} process(es) left behind (killed)` : '';
  process.stdout.write(`figure ${run.spec.number} ${run.spec.title}: ${verdict} (${run.wallS} s)${left}\n`);
  for (const note of run.result?.notes ?? []) process.stdout.write(`  ${note}\n`);
}
process.stdout.write(`\ntotal ${durationS} s\n`);

const results = {
  command: selected.length === 0 ? 'npm run bench' : `node dist/bench/run.js ${args.join(' ')}`,
  date: started.toISOString(),
  durationS,
  machine: { ...info, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, cpuShareBefore: shareBefore, cpuShareAfter: shareAfter },
  figures: runs.map((run) =>
    run.result
      ? { ...run.result, met: figureMet(run.result.rows), wallS: run.wallS, leftoverProcesses: run.leftovers }
      : { number: run.spec.number, id: run.spec.id, title: run.spec.title, error: run.error ?? '', wallS: run.wallS, leftoverProcesses: run.leftovers },
  ),
};
if (selected.length === 0) {
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`wrote ${RESULTS}\n`);
} else {
  for (const run of runs) process.stdout.write(`figure ${run.spec.number} details: ${JSON.stringify(run.result?.details ?? {})}\n`);
  process.stdout.write('(a selection of figures: bench/results.json left as it was)\n');
}
if (out) {
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}
const regressions = compare
  ? printComparison({ figures: runs.flatMap((run) => (run.result ? [run.result] : [])) })
  : 0;
// A figure that could not be measured fails the run (1); a missed goal does not; a regression beyond the spread does, with --compare (2).
process.exitCode = runs.some((r) => !r.result) ? 1 : regressions > 0 ? 2 : 0;
