import { afterEach, describe, expect, it } from '@jest/globals';
import type { NodeSnapshot, SupervisionEvent } from '../libs/supertrees/src/index.js';
import { endDemo, spawnDemo, type DemoProcess } from './helpers/demo.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

let demo: DemoProcess | undefined;

afterEach(async () => {
  await endDemo(demo);
  demo = undefined;
});

/** Reads a Server-Sent Events stream and hands each parsed message to `onEvent`. */
function readSse(url: string, onEvent: (type: string, data: unknown) => void): { close: () => void; opened: Promise<void> } {
  const controller = new AbortController();
  const opened = fetch(url, { signal: controller.signal }).then(async (response) => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const type = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (data) onEvent(type, JSON.parse(data));
          }
        }
      } catch {
        // aborted
      }
    })();
  });
  return { close: () => controller.abort(), opened };
}

describe('the demo app', () => {
  it('serves its tree and a live event stream, recovers from a killed process and a crashed worker, and shuts down completely', async () => {
    demo = spawnDemo();
    const base = await demo.listening;
    const tree = (await (await fetch(`${base}/supervision/tree`)).json()) as NodeSnapshot;
    expect(tree.state).toBe('running');
    const ingest = tree.children!.find((c) => c.name === 'IngestSupervisor')!;
    expect(ingest).toMatchObject({ state: 'running', kind: 'supervisor', isolation: 'process' });
    const notify = tree.children!.find((c) => c.name === 'NotifySupervisor')!;
    expect(descendantsOf(demo.proc.pid!)).toEqual(expect.arrayContaining([ingest.pid, notify.pid]));

    const events: SupervisionEvent[] = [];
    let snapshot: NodeSnapshot | undefined;
    const sse = readSse(`${base}/supervision/events`, (type, data) => {
      if (type === 'snapshot') snapshot = data as NodeSnapshot;
      else events.push(data as SupervisionEvent);
    });
    await sse.opened;
    await eventually(() => snapshot !== undefined, 'the SSE stream opens with a snapshot');

    const killed = (await (await fetch(`${base}/supervision/kill?path=root/IngestSupervisor`, { method: 'POST' })).json()) as { killed: number };
    expect(killed.killed).toBe(ingest.pid);
    await eventually(
      () => events.some((e) => e.type === 'restarted' && e.path === 'root/IngestSupervisor'),
      'the killed supervisor is restarted',
    );
    const replacement = events.find((e) => e.type === 'started' && e.path === 'root/IngestSupervisor');
    expect(replacement?.type === 'started' && replacement.processPid).not.toBe(ingest.pid);

    const crash = await fetch(`${base}/supervision/crash?path=root/IngestSupervisor/Indexer`, { method: 'POST' });
    expect(crash.status).toBe(202);
    await eventually(
      () => events.some((e) => e.type === 'restarted' && e.path === 'root/IngestSupervisor/Indexer'),
      'the crashed worker is restarted',
    );
    const failed = events.find((e) => e.type === 'failed' && e.path === 'root/IngestSupervisor/Indexer');
    expect(failed?.type === 'failed' && failed.error.message).toBe('crash requested through the API');
    expect((await fetch(`${base}/supervision/kill?path=root/nope`, { method: 'POST' })).status).toBe(404);

    sse.close();
    demo.proc.kill('SIGTERM');
    const { signal } = await demo.exited;
    expect(signal).toBe('SIGTERM');
    expect([...demo.pids].filter((pid) => pid !== demo!.proc.pid && isAlive(pid))).toEqual([]);
  });

  it('creates, lists, terminates, restarts and deletes a tenant worker over HTTP, answering typed errors with statuses', async () => {
    demo = spawnDemo();
    const base = await demo.listening;
    const post = (path: string, body?: unknown) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const list = async () => (await (await fetch(`${base}/tenants`)).json()) as { id: string; state: string; path: string }[];

    const created = await post('/tenants/acme', { rate: 5 });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ path: 'root/TenantsSupervisor/TenantWorker:acme', id: 'acme' });
    expect((await post('/tenants/acme')).status).toBe(409);
    expect((await post('/tenants/a:b')).status).toBe(400);
    expect(await list()).toMatchObject([{ id: 'acme', state: 'running' }]);

    // Jobs sent with call, answered by the tenant's worker in the tenants' process.
    const job = await post('/tenants/acme/jobs', { job: 'resize', workMs: 10 });
    expect(job.status).toBe(200);
    const reply = (await job.json()) as { tenant: string; job: string; handled: number; pid: number };
    expect(reply).toMatchObject({ tenant: 'acme', job: 'resize', handled: 1 });
    expect(reply.pid).not.toBe(demo.proc.pid);
    expect((await post('/tenants/acme/jobs', { job: '' })).status).toBe(422);
    expect((await post('/tenants/nobody/jobs', { job: 'x' })).status).toBe(404);

    expect((await post('/tenants/acme/terminate')).status).toBe(200);
    expect((await post('/tenants/acme/jobs', { job: 'resize' })).status).toBe(409);
    expect(await list()).toMatchObject([{ id: 'acme', state: 'terminated' }]);
    expect((await post('/tenants/acme/restart')).status).toBe(200);
    expect(await list()).toMatchObject([{ id: 'acme', state: 'running' }]);
    expect((await post('/tenants/acme/restart')).status).toBe(409);

    expect((await fetch(`${base}/tenants/acme`, { method: 'DELETE' })).status).toBe(200);
    expect(await list()).toEqual([]);
    expect((await fetch(`${base}/tenants/acme`, { method: 'DELETE' })).status).toBe(404);

    demo.proc.kill('SIGTERM');
    expect((await demo.exited).signal).toBe('SIGTERM');
  });
});
