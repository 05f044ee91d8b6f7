// A Node process a test starts and owns: an app run as a user would run it (`node dist/main.js`),
// with every line it and its supervisor processes print, and a way to wait for a line.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface AppProcess {
  readonly proc: ChildProcess;
  /** stdout lines as printed; stderr lines prefixed `stderr: `. */
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line matching `pattern` (printed already or later); rejects after `timeoutMs` or if the process ends first. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILLs it if it still runs, and waits until it is gone. */
  kill(): Promise<void>;
}

export function startApp(script: string, options: { cwd: string; env?: Record<string, string> }): AppProcess {
  const proc = spawn(process.execPath, [script], {
    cwd: options.cwd,
    // Not a supervisor process of the test runner's tree, whatever the runner's environment says.
    env: { ...process.env, ...options.env, NESTJS_SUPERTREES_CHILD: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const waiters = new Set<() => void>();
  const push = (line: string) => {
    output.push(line);
    for (const wake of waiters) wake();
  };
  createInterface({ input: proc.stdout!, crlfDelay: Infinity }).on('line', push);
  createInterface({ input: proc.stderr!, crlfDelay: Infinity }).on('line', (l) => push(`stderr: ${l}`));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('close', (code, signal) => {
      ended = true;
      for (const wake of waiters) wake();
      resolve({ code, signal });
    }),
  );
  const line = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = output.find((l) => pattern.test(l));
        if (found !== undefined) finish(() => resolve(found));
        else if (ended) finish(() => reject(new Error(`${script} ended without a line matching ${pattern}:\n${output.slice(-60).join('\n')}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${output.slice(-60).join('\n')}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  return { proc, output, exited, line, kill };
}

/** The events an app printed as `EVENT {json}` lines. */
export function printedEvents<T = { type: string; path: string }>(output: readonly string[]): T[] {
  return output.filter((l) => l.startsWith('EVENT ')).map((l) => JSON.parse(l.slice(6)) as T);
}
