import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { NodeSnapshot, SupervisionEvent } from '../libs/supertrees/src/index.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

let demo: ChildProcess | undefined;
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
const pids = new Set<number>();

afterEach(async () => {
  if (demo && demo.exitCode === null && demo.signalCode === null) {
    demo.kill('SIGKILL');
    await exited;
  }
  await eventually(() => [...pids].every((pid) => !isAlive(pid)), 'no demo process left');
  demo = exited = undefined;
  pids.clear();
});

/** Starts the compiled demo as `npm start` does, on a free port, and returns its base URL. */
async function startDemo(): Promise<string> {
  const proc = spawn(process.execPath, ['dist/apps/demo/src/main.js'], {
    env: { ...process.env, PORT: '0', DEMO_FEED_FAILURE_RATE: '0', DEMO_WEBHOOK_FAILURE_RATE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo = proc;
  pids.add(proc.pid!);
  exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const lines: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (line) => lines.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not listen within 30 s:\n${lines.join('\n')}`)), 30_000);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      lines.push(line);
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
}

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
    const base = await startDemo();
    const tree = (await (await fetch(`${base}/supervision/tree`)).json()) as NodeSnapshot;
    expect(tree.state).toBe('running');
    const ingest = tree.children!.find((c) => c.name === 'IngestSupervisor')!;
    expect(ingest).toMatchObject({ state: 'running', kind: 'supervisor', isolation: 'process' });
    const notify = tree.children!.find((c) => c.name === 'NotifySupervisor')!;
    const processes = descendantsOf(demo!.pid!);
    processes.forEach((pid) => pids.add(pid));
    expect(processes).toEqual(expect.arrayContaining([ingest.pid, notify.pid]));

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
    descendantsOf(demo!.pid!).forEach((pid) => pids.add(pid));

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
    demo!.kill('SIGTERM');
    const { signal } = await exited!;
    expect(signal).toBe('SIGTERM');
    await eventually(() => [...pids].every((pid) => !isAlive(pid)), 'every demo process gone', 10_000);
  });
});
