import type { ChildProcess } from 'node:child_process';
import { descendantsOf, eventually, isAlive } from './processes.js';
import { spawnNode } from './spawned.js';

export interface DemoProcess {
  proc: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every pid of the demo's process tree seen so far (sampled from /proc until it exits). */
  pids: Set<number>;
  /** Resolves with the base URL once the demo listens. */
  listening: Promise<string>;
}

/** Starts the compiled demo as `npm start` does, on a free port, watching its process tree. */
export function spawnDemo(env: Record<string, string> = {}): DemoProcess {
  let listened: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (listened = resolve));
  const { proc, output, exited } = spawnNode('dist/apps/demo/src/main.js', {
    env: { PORT: '0', DEMO_FEED_FAILURE_RATE: '0', DEMO_WEBHOOK_FAILURE_RATE: '0', ...env },
    onLine: (line) => {
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      if (match) listened(match[1]!);
    },
  });
  const pids = new Set<number>([proc.pid!]);
  const sample = setInterval(() => descendantsOf(proc.pid!).forEach((pid) => pids.add(pid)), 10);
  void exited.then(() => clearInterval(sample));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not listen within 30 s:\n${output.slice(-40).join('\n')}`)), 30_000);
    void exited.then(() => clearTimeout(timer));
    void url.then((found) => {
      clearTimeout(timer);
      resolve(found);
    });
  });
  listening.catch(() => undefined);
  return { proc, output, exited, pids, listening };
}

/** Ends a demo a test left running (SIGKILL), then waits until none of its processes is alive. */
export async function endDemo(demo: DemoProcess | undefined): Promise<void> {
  if (!demo) return;
  if (demo.proc.exitCode === null && demo.proc.signalCode === null) {
    demo.proc.kill('SIGKILL');
    await demo.exited;
  }
  await eventually(() => [...demo.pids].every((pid) => !isAlive(pid)), 'no demo process left');
}
