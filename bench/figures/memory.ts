// Figure 5: the resident memory of a supervisor process, steady after boot, against a bare Nest
// application context process.
import { BOOT_SUPERVISORS } from '../fixtures/trees.js';
import { bootBare, bootTree } from '../lib/boot.js';
import { runFigure } from '../lib/harness.js';
import { childrenOf, memoryOf, privateKiBOf } from '../lib/processes.js';
import { row, type FigureResult } from '../lib/results.js';
import { sleep, summarize } from '../lib/stats.js';

/** Boots of each kind; each gives one sample per process. */
const RUNS = 3;
/** How long after boot the memory is read. */
const STEADY_MS = 2_000;

const rssMiB = (pid: number) => (memoryOf(pid)?.rssKiB ?? NaN) / 1024;
const privateMiB = (pid: number) => privateKiBOf(pid) / 1024;

async function measure(): Promise<FigureResult> {
  const supervisors: number[] = [];
  const spares: number[] = [];
  const bare: number[] = [];
  const supervisorsPrivate: number[] = [];
  const barePrivate: number[] = [];
  /** The same tree with V8's default young generation (`maxSemiSpaceMiB: 0`). */
  const uncapped: number[] = [];
  const uncappedPrivate: number[] = [];
  let failures = 0;
  for (let i = 0; i < RUNS; i += 1) {
    await bootBare(BOOT_SUPERVISORS, async (pids) => {
      await sleep(STEADY_MS);
      bare.push(...pids.map(rssMiB));
      barePrivate.push(...pids.map(privateMiB));
    });
    const boot = await bootTree({}, async (pids) => {
      await sleep(STEADY_MS);
      supervisors.push(...pids.map(rssMiB));
      supervisorsPrivate.push(...pids.map(privateMiB));
      spares.push(...childrenOf(process.pid).filter((pid) => !pids.includes(pid)).map(rssMiB));
    });
    failures += boot.failures;
    const uncappedBoot = await bootTree({ maxSemiSpaceMiB: 0 }, async (pids) => {
      await sleep(STEADY_MS);
      uncapped.push(...pids.map(rssMiB));
      uncappedPrivate.push(...pids.map(privateMiB));
    });
    failures += uncappedBoot.failures;
  }
  const value = summarize(supervisors, 1);
  const floor = summarize(bare, 1);
  const ratio = value.median / floor.median;
  const floorRow = { what: 'bare Nest application context process', value: floor };
  return {
    number: 5,
    id: 'memory',
    title: 'Memory per supervisor process',
    setup:
      `VmRSS of each supervisor process of the ${BOOT_SUPERVISORS}-supervisor boot tree (one idle worker each), ${STEADY_MS} ms after boot; ` +
      `${RUNS} boots with the default options, and ${RUNS} with maxSemiSpaceMiB 0 (V8's default young generation). Floor: VmRSS of ${BOOT_SUPERVISORS} bare processes that created a Nest application context of an empty module, ` +
      `${STEADY_MS} ms after ready, ${RUNS} times.`,
    rows: [
      row('RSS per supervisor process (default: maxSemiSpaceMiB 2)', 'MiB', value, floorRow, {
        text: '≤ 1.1× floor',
        met: ratio <= 1.1,
      }),
      row('RSS per supervisor process (maxSemiSpaceMiB 0: V8 default)', 'MiB', summarize(uncapped, 1), floorRow),
    ],
    details: {
      ...(spares.length > 0 ? { standbySpareRssMiB: summarize(spares, 1) } : {}),
      supervisorPrivateMiB: summarize(supervisorsPrivate, 1),
      barePrivateMiB: summarize(barePrivate, 1),
      uncappedPrivateMiB: summarize(uncappedPrivate, 1),
      startFailuresDuringBoots: failures,
    },
    notes: [
      'RSS counts the pages a process shares with the others (the node binary and other file-backed pages) in full; ' +
        `the private memory (details) is what one more process really costs: supervisor process ${summarize(supervisorsPrivate, 1).median} MiB, ` +
        `bare Nest-context process ${summarize(barePrivate, 1).median} MiB, supervisor process with V8's default young generation ` +
        `${summarize(uncappedPrivate, 1).median} MiB (medians).`,
    ],
  };
}

await runFigure(measure);
