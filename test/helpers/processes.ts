import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** True while a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (exited, not yet reaped) still answers kill(0); /proc says what it really is.
    const { readFileSync } = require_fs();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

function require_fs(): typeof import('node:fs') {
  return process.getBuiltinModule('node:fs');
}

/** Every descendant pid of `pid`, read from /proc. */
export function descendantsOf(pid: number): number[] {
  const fs = require_fs();
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const visit = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

/** Polls until `check` holds, failing after `timeoutMs` with `what`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
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
  const proc = spawn(process.execPath, ['dist/test/fixtures/entry.js'], {
    env: { ...process.env, ...env, SUPERTREES_SCENARIO: scenario, NESTJS_SUPERTREES_CHILD: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  createInterface({ input: proc.stderr! }).on('line', (line) => output.push(`stderr: ${line}`));
  const pids = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no READY from ${scenario} within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      output.push(line);
      if (line.startsWith('READY ')) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(6)) as number[]);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${scenario} exited (${code ?? signal}) before READY:\n${output.join('\n')}`));
    });
  });
  return { proc, pids, output, exited };
}
