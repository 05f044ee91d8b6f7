// Figure 4: how long a tree of process supervisors takes to boot, against forking as many bare
// Nest-context processes in parallel.
import { BOOT_SUPERVISORS } from '../fixtures/trees.js';
import { bootBare, bootTree } from '../lib/boot.js';
import { runFigure } from '../lib/harness.js';
import { row, type FigureResult } from '../lib/results.js';
import { sleep, summarize } from '../lib/stats.js';

/** Boots of each kind, alternating, after one unmeasured boot of each. */
const RUNS = 5;
const PAUSE_MS = 300;

async function measure(): Promise<FigureResult> {
  const tree: number[] = [];
  const noSpare: number[] = [];
  const bare: number[] = [];
  let failures = 0;
  for (let i = 0; i <= RUNS; i += 1) {
    const b = await bootBare(BOOT_SUPERVISORS);
    await sleep(PAUSE_MS);
    const t = await bootTree();
    await sleep(PAUSE_MS);
    const s = await bootTree({ standby: 0 });
    await sleep(PAUSE_MS);
    failures += t.failures + s.failures;
    if (i === 0) continue;
    bare.push(b.ms);
    tree.push(t.ms);
    noSpare.push(s.ms);
  }
  const value = summarize(tree, 1);
  const floor = { what: `${BOOT_SUPERVISORS} bare Nest-context forks in parallel`, value: summarize(bare, 1) };
  const ratio = value.median / floor.value.median;
  return {
    number: 4,
    id: 'boot',
    title: `Boot of ${BOOT_SUPERVISORS} supervisor processes`,
    setup:
      `A tree of ${BOOT_SUPERVISORS} process-isolated @Supervisors under the root, one worker each, default process options, logging off; ` +
      `timed in the main process from SupervisionService.start() until every worker's 'started' event reached events$. ` +
      `Floor: fork ${BOOT_SUPERVISORS} bare Nest-context scripts at once until each reported ready over IPC. ` +
      `${RUNS} boots of each, alternating, after one warm-up boot of each; the tree also with process.standby 0, for comparison.`,
    rows: [
      row('start → every worker running (default: standby 1)', 'ms', value, floor, { text: '≤ 1.2× floor', met: ratio <= 1.2 }),
      row('start → every worker running (standby 0)', 'ms', summarize(noSpare, 1), floor),
    ],
    details: { startFailuresDuringBoots: failures },
    notes: [],
  };
}

await runFigure(measure);
