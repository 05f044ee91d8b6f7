// Figure 7: SupervisionService.startChild() latency, to a dynamic supervisor in this process and to one
// in a supervisor process, each against its floor: making the instance with Nest's ModuleRef and
// starting its run(); a bare IPC round trip between this process and a bare Node child.
import { fork } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ModuleRef, NestFactory } from '@nestjs/core';
import { SupervisionService, type WorkerContext } from '#supertrees';
import { LocalTenants, LOG_LEVELS, RemoteTenants, Tenant, treeModule } from '../fixtures/trees.js';
import { runFigure } from '../lib/harness.js';
import { row, type FigureResult } from '../lib/results.js';
import { summarize } from '../lib/stats.js';

const LOCAL = 3_000;
const REMOTE = 1_000;
const WARMUP = 200;

/** ms per call of `call`, one after the other, after WARMUP unmeasured calls. */
async function latencies(count: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = -WARMUP; i < count; i += 1) {
    const t0 = performance.now();
    await call(i);
    if (i >= 0) samples.push(performance.now() - t0);
  }
  return samples;
}

async function ipcRoundTrips(count: number): Promise<number[]> {
  const child = fork(fileURLToPath(new URL('../fixtures/ipc-echo.js', import.meta.url)), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    return await latencies(count, (i) => new Promise<void>((resolve) => {
      child.once('message', () => resolve());
      child.send({ t: 'request', id: i + WARMUP + 1, op: 'startChild', path: 'root/RemoteTenants', payload: { worker: 'Tenant', id: `t${i}` }, timeoutMs: 30_000 });
    }));
  } finally {
    child.kill('SIGKILL');
  }
}

async function measure(): Promise<FigureResult> {
  const app = await NestFactory.createApplicationContext(treeModule('dynamic'), { logger: LOG_LEVELS });
  try {
    const service = app.get(SupervisionService);
    await service.start();
    const local = summarize(await latencies(LOCAL, (i) => service.startChild(LocalTenants, Tenant, { id: `t${i}` })), 4);
    const moduleRef = app.get(ModuleRef);
    const controller = new AbortController();
    // Every floor worker waits on this one signal.
    setMaxListeners(0, controller.signal);
    const ctx = { signal: controller.signal, attempt: 0, path: 'bare', logger: console } as unknown as WorkerContext;
    const runs: Promise<void>[] = [];
    const localFloor = summarize(
      await latencies(LOCAL, async () => {
        const worker = await moduleRef.create(Tenant);
        runs.push(worker.run(ctx));
      }),
      4,
    );
    controller.abort();
    await Promise.all(runs);
    const remote = summarize(await latencies(REMOTE, (i) => service.startChild(RemoteTenants, Tenant, { id: `t${i}` })), 4);
    const remoteFloor = summarize(await ipcRoundTrips(REMOTE), 4);
    return {
      number: 7,
      id: 'start-child',
      title: 'startChild latency',
      setup:
        `A dynamic supervisor with an idle dynamic worker class, logging off; ${LOCAL} (in process) and ${REMOTE} (supervisor process) ` +
        `startChild() calls one after the other after ${WARMUP} unmeasured ones, each until it resolved (the child runs). Floors: ` +
        `ModuleRef.create() of the class and a call of its run(), one after the other; an IPC round trip of a request-sized message ` +
        `between this process and a bare Node child that echoes it.`,
      rows: [
        row('startChild, in process', 'ms', local, { what: 'ModuleRef.create + run()', value: localFloor }),
        row('startChild, across a process boundary', 'ms', remote, { what: 'bare IPC round trip', value: remoteFloor }),
      ],
      details: {},
      notes: [
        'A startChild also validates the spec, goes through the supervisor\'s mailbox, raises child-added, starting and started ' +
          '(stamped, folded into the snapshot, published), and keeps the spec; across processes the events travel up as well.',
      ],
    };
  } finally {
    await app.close();
  }
}

await runFigure(measure);
