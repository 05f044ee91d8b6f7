// A node process of its own, its output read line by line: the fixture apps, the demo, and the
// long runs that measure themselves all start this way.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Spawned {
  readonly proc: ChildProcess;
  /** Every line so far, stderr lines prefixed with `stderr: `. */
  readonly output: string[];
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>;
  /** Resolves when both output streams have ended (after the last line). */
  readonly closed: Promise<void>;
}

/**
 * Runs `node [nodeFlags] script` as an app of its own (not a supervisor process of anyone), and
 * calls `onLine` for each stdout line that it does not keep out of `output` by returning `false`.
 */
export function spawnNode(
  script: string,
  options: {
    env?: Record<string, string>;
    nodeFlags?: string[];
    onLine?: (line: string) => boolean | void;
  } = {},
): Spawned {
  const proc = spawn(process.execPath, [...(options.nodeFlags ?? []), script], {
    env: { ...process.env, ...options.env, NESTJS_SUPERTREES_CHILD: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) =>
    proc.once('close', () => resolve()),
  );
  createInterface({ input: proc.stderr!, crlfDelay: Infinity }).on(
    'line',
    (line) => output.push(`stderr: ${line}`),
  );
  createInterface({ input: proc.stdout!, crlfDelay: Infinity }).on(
    'line',
    (line) => {
      if (options.onLine?.(line) !== false) output.push(line);
    },
  );
  return { proc, output, exited, closed };
}
