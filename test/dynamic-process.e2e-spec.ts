// Dynamic children, per-child control and pools across supervisor processes: every command travels
// the request/reply channel, hop by hop, and every typed error comes back as its class.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import {
  ChildIdTakenError,
  ChildStartError,
  ChildStateError,
  MaxChildrenError,
  NodeUnavailableError,
  RequestTimeoutError,
  SupervisionService,
  UnknownNodeError,
  type SupervisionEvent,
  type SupervisionEventType,
} from '../libs/supertrees/src/index.js';
import { ProcTenants, SCENARIOS, TenantWorker } from './fixtures/scenarios.js';
import { EventRecorder } from '#supertrees/testing';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

/** The events of one type (on one node). */
const is = <T extends SupervisionEventType>(type: T, path?: string) => (path === undefined ? { type } : { type, path });

let app: INestApplicationContext | undefined;
let recorder: EventRecorder | undefined;
const seenPids = new Set<number>();

afterEach(async () => {
  await app?.close();
  recorder?.stop();
  await eventually(() => [...seenPids].every((pid) => !isAlive(pid)), `pids ${[...seenPids].join(', ')} gone`);
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
  app = recorder = undefined;
  seenPids.clear();
});

async function boot(): Promise<{ service: SupervisionService; recorder: EventRecorder }> {
  const moduleRef = await Test.createTestingModule({ imports: [SCENARIOS.dynamic!] }).compile();
  moduleRef.useLogger(false);
  app = moduleRef;
  const service = moduleRef.get(SupervisionService);
  recorder = new EventRecorder(service.events$, { timeoutMs: 60_000 });
  service.events$.subscribe((e) => {
    for (const pid of [e.pid, e.type === 'started' ? e.processPid : undefined]) {
      if (pid !== undefined && pid !== process.pid) seenPids.add(pid);
    }
  });
  await moduleRef.init();
  return { service, recorder };
}

const lastStarted = (events: SupervisionEvent[], path: string) => {
  const started = events.filter((e) => e.type === 'started' && e.path === path).at(-1);
  if (!started || started.type !== 'started') throw new Error(`no started event for ${path}`);
  return started;
};

describe('dynamic children in a supervisor process', () => {
  it('starts a child in the process of its supervisor, with DI, and lists and counts it from there', async () => {
    const { service, recorder } = await boot();
    const ref = await service.startChild(ProcTenants, TenantWorker, { id: 'acme', args: { plan: 'gold' } });
    expect(ref).toEqual({ path: 'root/ProcTenants/TenantWorker:acme', id: 'acme' });
    const supervisorPid = lastStarted(recorder.events, 'root/ProcTenants').processPid;
    await recorder.waitFor(is('started', ref.path));
    expect(lastStarted(recorder.events, ref.path).pid).toBe(supervisorPid);
    expect(supervisorPid).not.toBe(process.pid);
    expect(await service.whichChildren(ProcTenants)).toEqual([
      { path: ref.path, name: 'TenantWorker:acme', kind: 'worker', state: 'running', restarts: 0, id: 'acme' },
    ]);
    expect(await service.countChildren('root/ProcTenants')).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
    await eventually(() => service.snapshot().children!.find((c) => c.path === 'root/ProcTenants')!.children!.length === 1, 'snapshot shows it');
    expect(service.snapshot().children!.find((c) => c.path === 'root/ProcTenants')!.children![0]).toMatchObject({ id: 'acme', state: 'running' });
  });

  it('rejects with the typed errors thrown in the other process, as their classes', async () => {
    const { service } = await boot();
    await service.startChild(ProcTenants, TenantWorker, { id: 'a' });
    await expect(service.startChild(ProcTenants, TenantWorker, { id: 'a' })).rejects.toThrow(new ChildIdTakenError('root/ProcTenants', 'a'));
    await service.startChild(ProcTenants, TenantWorker, { id: 'b' });
    await expect(service.startChild(ProcTenants, TenantWorker, { id: 'c' })).rejects.toThrow(new MaxChildrenError('root/ProcTenants', 2));
    await service.deleteChild('root/ProcTenants/TenantWorker:b');

    const failed = await service.startChild(ProcTenants, TenantWorker, { id: 'bad', args: { failInit: true } }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ChildStartError);
    expect((failed as Error).cause).toMatchObject({ name: 'RangeError' });
    expect(((failed as Error).cause as Error).message).toMatch(/^no tenant bad in \d+$/);

    await expect(service.terminateChild('root/ProcTenants/TenantWorker:ghost')).rejects.toThrow(
      new UnknownNodeError('root/ProcTenants/TenantWorker:ghost'),
    );
    await expect(service.restartChild('root/ProcTenants/TenantWorker:a')).rejects.toThrow(
      new ChildStateError('root/ProcTenants/TenantWorker:a', 'restartChild', 'running'),
    );
  });

  it('terminates, restarts and deletes a dynamic child in another process', async () => {
    const { service, recorder } = await boot();
    const { path } = await service.startChild(ProcTenants, TenantWorker, { id: 'a' });
    await service.terminateChild(path);
    expect((await service.whichChildren(ProcTenants))[0]).toMatchObject({ state: 'terminated' });
    await recorder.waitFor({ type: 'stopped', path, where: (e) => e.reason === 'terminated' });
    await service.restartChild(path);
    expect((await service.whichChildren(ProcTenants))[0]).toMatchObject({ state: 'running' });
    await service.deleteChild(path);
    expect(await service.whichChildren(ProcTenants)).toEqual([]);
    await recorder.waitFor(is('child-removed', path));
  });

  it('forwards commands hop by hop to a dynamic supervisor two processes down, and controls static nodes and pools there', async () => {
    const { service, recorder } = await boot();
    const { path } = await service.startChild('root/OuterProc/InnerTenants', TenantWorker, { id: 'deep' });
    await recorder.waitFor(is('started', path));
    const innerPid = lastStarted(recorder.events, 'root/OuterProc/InnerTenants').processPid;
    const outerPid = lastStarted(recorder.events, 'root/OuterProc').processPid;
    expect(lastStarted(recorder.events, path).pid).toBe(innerPid);
    expect(innerPid).not.toBe(outerPid);

    await service.terminateChild('root/OuterProc/Steady');
    expect((await service.whichChildren('root/OuterProc')).map((c) => [c.path, c.state])).toEqual([
      ['root/OuterProc/InnerTenants', 'running'],
      ['root/OuterProc/Steady', 'terminated'],
      ['root/OuterProc/PoolMember#0', 'running'],
      ['root/OuterProc/PoolMember#1', 'running'],
    ]);
    await service.restartChild('root/OuterProc/Steady');
    expect(await service.scale('root/OuterProc/PoolMember', 3)).toEqual({ before: 2, after: 3 });
    await recorder.waitFor(is('started', 'root/OuterProc/PoolMember#2'));
    expect(await service.countChildren('root/OuterProc')).toEqual({ specs: 5, active: 5, supervisors: 1, workers: 4 });
  });

  it('gives a restarted supervisor process its dynamic children back', async () => {
    const { service, recorder } = await boot();
    await service.startChild(ProcTenants, TenantWorker, { id: 'a' });
    await service.startChild(ProcTenants, TenantWorker, { id: 'b' });
    await service.deleteChild('root/ProcTenants/TenantWorker:b');
    const before = lastStarted(recorder.events, 'root/ProcTenants').processPid!;
    process.kill(before, 'SIGKILL');
    await recorder.waitFor(is('restarted', 'root/ProcTenants'));
    await recorder.waitForCount(is('started', 'root/ProcTenants/TenantWorker:a'), 2);
    const after = lastStarted(recorder.events, 'root/ProcTenants').processPid;
    expect(after).not.toBe(before);
    expect(lastStarted(recorder.events, 'root/ProcTenants/TenantWorker:a').pid).toBe(after);
    expect((await service.whichChildren(ProcTenants)).map((c) => c.id)).toEqual(['a']);
  });

  it('keeps a child deleted and started again at once: no late child-removed confuses the snapshot or the kept spec', async () => {
    const { service, recorder } = await boot();
    const path = 'root/ProcTenants/TenantWorker:a';
    await service.startChild(ProcTenants, TenantWorker, { id: 'a' });
    // Sent together: the supervisor process removes the child and adds it again back to back, and
    // replies to both. Each reply leaves after the events emitted before it, so the parent, which
    // keeps the specs from the replies and drops one at a child-removed, does not drop the new one.
    await Promise.all([service.deleteChild(path), service.startChild(ProcTenants, TenantWorker, { id: 'a' })]);
    await recorder.waitForCount(is('started', path), 2);
    expect(recorder.events.filter((e) => e.path === path && (e.type === 'child-added' || e.type === 'child-removed')).map((e) => e.type)).toEqual([
      'child-added',
      'child-removed',
      'child-added',
    ]);
    const tenants = () => service.snapshot().children!.find((c) => c.path === 'root/ProcTenants')!;
    expect(tenants().children!.map((c) => [c.id, c.state])).toEqual([['a', 'running']]);

    // Its process dies: the restarted supervisor gets back the child it had.
    process.kill(lastStarted(recorder.events, 'root/ProcTenants').processPid!, 'SIGKILL');
    await recorder.waitFor(is('restarted', 'root/ProcTenants'));
    expect((await service.whichChildren(ProcTenants)).map((c) => [c.id, c.state])).toEqual([['a', 'running']]);
    await eventually(() => tenants().children!.length === 1 && tenants().children![0]!.state === 'running', 'the snapshot shows it running again');
  });

  it('rejects a command that outlives its timeout with RequestTimeoutError, and one whose process dies with NodeUnavailableError', async () => {
    const { service, recorder } = await boot();
    await expect(service.startChild(ProcTenants, TenantWorker, { id: 'slow', args: { hangInit: true } }, { timeoutMs: 300 })).rejects.toThrow(
      new RequestTimeoutError('startChild', 'root/ProcTenants', 300),
    );
    // Its init() hangs inside the supervisor's mailbox (the start was under way when the caller gave up).
    await recorder.waitFor(is('starting', 'root/ProcTenants/TenantWorker:slow'));
    // A command queued behind the hung start in that supervisor's mailbox (not whichChildren, which the
    // supervisor answers at once, outside its mailbox, so it could reply before the kill lands).
    const pending = service.startChild(ProcTenants, TenantWorker, { id: 'queued' }, { timeoutMs: 60_000 });
    const settled = pending.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    // The mailbox of that supervisor is busy with the hung start: the request waits until its process dies.
    process.kill(lastStarted(recorder.events, 'root/ProcTenants').processPid!, 'SIGKILL');
    const error = await settled;
    expect(error).toBeInstanceOf(NodeUnavailableError);
    expect(error).toMatchObject({ code: 'exited' });
    expect((error as Error).message).toBe('startChild on root/ProcTenants failed: its supervisor process root/ProcTenants exited before it replied');
  });
});
