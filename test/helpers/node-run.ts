// Runs a compiled script in a node process of its own (for --expose-gc, and so that the process
// whose memory and handles are measured is not the test runner) and takes the one result line it
// prints: `TAG {json}`.
import { spawnNode } from './spawned.js';

export interface NodeRun<T> {
  result: T;
  /** Every other line it printed, stdout and stderr (its supervisor processes' lines included). */
  output: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  pid: number;
}

export async function runNode<T>(
  script: string,
  options: { env: Record<string, string>; tag: string; timeoutMs: number; nodeFlags?: string[] },
): Promise<NodeRun<T>> {
  let result: T | undefined;
  const { proc, output, exited, closed } = spawnNode(script, {
    env: options.env,
    nodeFlags: options.nodeFlags,
    onLine: (line) => {
      if (!line.startsWith(`${options.tag} `)) return true;
      result = JSON.parse(line.slice(options.tag.length + 1)) as T;
      return false;
    },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // Its supervisor processes see their channel close and exit on their own.
    proc.kill('SIGKILL');
  }, options.timeoutMs);
  const [{ code, signal }] = await Promise.all([exited, closed]).finally(() => clearTimeout(timer));
  if (timedOut) {
    throw new Error(`${script} did not finish within ${options.timeoutMs} ms:\n${output.slice(-60).join('\n')}`);
  }
  if (result === undefined) {
    throw new Error(`${script} ended (${signal ?? `code ${code}`}) without a ${options.tag} line:\n${output.slice(-60).join('\n')}`);
  }
  return { result, output, code, signal, pid: proc.pid! };
}

/** Lines that report a warning or an unhandled rejection in any process of the run. */
export const PROBLEM_LINE = /MaxListenersExceededWarning|UnhandledPromiseRejection|unhandled rejection|Warning:/i;
