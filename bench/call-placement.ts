// Why figure 9's call across a process and its raw IPC floor can differ by 5x on a quiet machine:
// where the two processes of each run, and how often a vCPU halts. Measures both round trips with the
// processes unpinned, all on one CPU, and the caller on one CPU and the other process on the other
// (`taskset`), counting the halts per round trip from `cpuidle`. Linux only; meaningful only on an
// idle machine (under load no CPU halts). `node dist/bench/call-placement.js [--echo-timer]`:
// `--echo-timer` gives the raw echo child a 20 ms interval timer, as a supervisor process's event-loop
// monitor has.
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { SupervisionService } from '#supertrees';
import { LOG_LEVELS, treeModule } from './fixtures/trees.js';
import { immediate } from './lib/stats.js';

const REMOTE = 'root/EchoSupervisor/RemoteEcho';
const BATCH = 2_000;
const RUNS = 5;
const message = (i: number) => ({ n: i, tenant: 'acme', job: 'resize' });
const cpus = execFileSync('nproc').toString().trim() === '1' ? [0] : [0, 1];
const halts = (): number => cpus.reduce((sum, c) => sum + Number(readFileSync(`/sys/devices/system/cpu/cpu${c}/cpuidle/state1/usage`, 'utf8')), 0);
const cpuOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[36]);
const pin = (pid: number, mask: string) => execFileSync('taskset', ['-a', '-p', mask, String(pid)], { stdio: 'ignore' });

/** µs and halts per round trip of one batch. */
async function batch(roundTrip: (i: number) => Promise<unknown>): Promise<{ us: number; halts: number }> {
  const h0 = halts();
  const t0 = performance.now();
  let sum = 0;
  for (let i = 0; i < BATCH; i++) sum += ((await roundTrip(i)) as { n: number }).n;
  const us = ((performance.now() - t0) * 1000) / BATCH;
  const h = (halts() - h0) / BATCH;
  if (sum !== (BATCH * (BATCH - 1)) / 2) throw new Error('the replies do not add up');
  await immediate();
  return { us, halts: h };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const app = await NestFactory.createApplicationContext(treeModule('calls', { standby: 0 }), { logger: LOG_LEVELS });
const echoScript = process.argv.includes('--echo-timer') ? './fixtures/ipc-echo-timer.js' : './fixtures/ipc-echo-child.js';
const child = fork(fileURLToPath(new URL(echoScript, import.meta.url)), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
try {
  const service = app.get(SupervisionService);
  await service.start();
  const supervisorPid = Number(execFileSync('pgrep', ['-P', String(process.pid), '-f', 'supervisor-entry']).toString().trim().split('\n')[0]);
  await new Promise((resolve) => child.once('message', resolve));
  let waiting: ((m: unknown) => void) | undefined;
  child.on('message', (m) => waiting?.((m as { payload: unknown }).payload));
  const echo = (i: number) => {
    const reply = new Promise((resolve) => (waiting = resolve));
    child.send({ t: 'request', id: i, payload: message(i) });
    return reply;
  };
  const call = (i: number) => service.call(REMOTE, message(i));
  const placements: Record<string, [string, string]> = { unpinned: ['3', '3'], 'one CPU': ['1', '1'], 'two CPUs': ['1', '2'] };
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; echo child: ${echoScript}`);
  for (const [name, [callerMask, otherMask]] of Object.entries(placements)) {
    pin(process.pid, callerMask);
    pin(supervisorPid, otherMask);
    pin(child.pid!, otherMask);
    // Warm-up, unmeasured.
    for (let i = 0; i < 2; i++) {
      await batch(echo);
      await batch(call);
    }
    const floor: { us: number; halts: number }[] = [];
    const calls: { us: number; halts: number }[] = [];
    for (let r = 0; r < RUNS; r++) {
      floor.push(await batch(echo));
      calls.push(await batch(call));
    }
    const f = median(floor.map((x) => x.us));
    const c = median(calls.map((x) => x.us));
    console.log(
      `${name.padEnd(9)} raw echo ${f.toFixed(1)} µs (${median(floor.map((x) => x.halts)).toFixed(2)} halts per round trip), ` +
        `call ${c.toFixed(1)} µs (${median(calls.map((x) => x.halts)).toFixed(2)}): ${(c / f).toFixed(2)}x; ` +
        `CPUs now: caller ${cpuOf(process.pid)}, supervisor process ${cpuOf(supervisorPid)}, echo ${cpuOf(child.pid!)}`,
    );
  }
  pin(process.pid, '3');
} finally {
  child.kill('SIGKILL');
  await app.close();
}
