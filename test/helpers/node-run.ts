// Runs a compiled script in a node process of its own (for --expose-gc, and so that the process
// whose memory and handles are measured is not the test runner) and takes the one result line it
// prints: `TAG {json}`.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NodeRun<T> {
  result: T;
  /** Every other line it printed, stdout and stderr (its supervisor processes' lines included). */
  output: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  pid: number;
}

export function runNode<T>(
  script: string,
  options: { env: Record<string, string>; tag: string; timeoutMs: number; nodeFlags?: string[] },
): Promise<NodeRun<T>> {
  const proc = spawn(process.execPath, [...(options.nodeFlags ?? []), script], {
    // Not a supervisor process of anyone: the app of its own tree.
    env: { ...process.env, ...options.env, NESTJS_SUPERTREES_CHILD: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let result: T | undefined;
  createInterface({ input: proc.stdout!, crlfDelay: Infinity }).on('line', (line) => {
    if (line.startsWith(`${options.tag} `)) result = JSON.parse(line.slice(options.tag.length + 1)) as T;
    else output.push(line);
  });
  createInterface({ input: proc.stderr!, crlfDelay: Infinity }).on('line', (line) => output.push(`stderr: ${line}`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Its supervisor processes see their channel close and exit on their own.
      proc.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${options.timeoutMs} ms:\n${output.slice(-60).join('\n')}`));
    }, options.timeoutMs);
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      if (result === undefined) {
        reject(new Error(`${script} ended (${signal ?? `code ${code}`}) without a ${options.tag} line:\n${output.slice(-60).join('\n')}`));
      } else resolve({ result, output, code, signal, pid: proc.pid! });
    });
  });
}

/** Lines that report a warning or an unhandled rejection in any process of the run. */
export const PROBLEM_LINE = /MaxListenersExceededWarning|UnhandledPromiseRejection|unhandled rejection|Warning:/i;
