// The fixture apps of the process tests, spawned as apps of their own, and the process checks the
// tests share (read from /proc by the testing kit's one parser).
import type { ChildProcess } from 'node:child_process';
import { allProcesses, descendantsIn } from '../../libs/supertrees/src/testing/proc.js';
import { spawnNode } from './spawned.js';

export { isAlive } from '../../libs/supertrees/src/testing/proc.js';
export { eventually } from './poll.js';

/** Every descendant pid of `pid` (zombies included), read from /proc. */
export function descendantsOf(pid: number): number[] {
  return descendantsIn(allProcesses(), pid).map((p) => p.pid);
}

export interface SpawnedApp {
  proc: ChildProcess;
  /** The pids the app reported in its READY line. */
  pids: number[];
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Resolves when a line matching `pattern` has been printed by the app (already or later). */
export function lineMatching(app: SpawnedApp, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      const line = app.output.find((l) => pattern.test(l));
      if (line) return resolve(line);
      if (Date.now() > deadline) return reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${app.output.slice(-40).join('\n')}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

/** Runs the compiled fixture entry as an app of its own (not a supervisor process) and waits for READY. */
export async function spawnFixtureApp(scenario: string, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<SpawnedApp> {
  let ready: (pids: number[]) => void = () => undefined;
  const readyLine = new Promise<number[]>((resolve) => (ready = resolve));
  const { proc, output, exited } = spawnNode('dist/test/fixtures/entry.js', {
    env: { ...env, SUPERTREES_SCENARIO: scenario },
    onLine: (line) => {
      if (line.startsWith('READY ')) ready(JSON.parse(line.slice(6)) as number[]);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const pids = await Promise.race([
      readyLine,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no READY from ${scenario} within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
      }),
      exited.then(({ code, signal }) => Promise.reject(new Error(`${scenario} exited (${code ?? signal}) before READY:\n${output.join('\n')}`))),
    ]);
    return { proc, pids, output, exited };
  } catch (error) {
    // The test never gets a handle on an app that did not get ready: end it here, or it outlives the test.
    proc.kill('SIGKILL');
    await exited;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
