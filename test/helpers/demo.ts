import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { descendantsOf, eventually, isAlive } from './processes.js';

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
  const proc = spawn(process.execPath, ['dist/apps/demo/src/main.js'], {
    env: { ...process.env, PORT: '0', DEMO_FEED_FAILURE_RATE: '0', DEMO_WEBHOOK_FAILURE_RATE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const pids = new Set<number>([proc.pid!]);
  const sample = setInterval(() => descendantsOf(proc.pid!).forEach((pid) => pids.add(pid)), 10);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      clearInterval(sample);
      resolve({ code, signal });
    }),
  );
  createInterface({ input: proc.stderr! }).on('line', (line) => output.push(`stderr: ${line}`));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not listen within 30 s:\n${output.slice(-40).join('\n')}`)), 30_000);
    void exited.then(() => clearTimeout(timer));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      output.push(line);
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
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
