// The published package as a user gets it: build libs/supertrees with its tsconfig.lib.json and
// `npm pack` it; plus running commands (npm, tsc, node) in process groups a test can kill.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../..', import.meta.url));
export const libDir = join(repo, 'libs', 'supertrees');
/** The repository's own TypeScript, for a scratch app that has none. */
export const repoTsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
/** The step after tsc in the package's build: bundles the entry points (see scripts/bundle-lib.mjs). */
export const bundleLib = join(repo, 'scripts', 'bundle-lib.mjs');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const running = new Set<number>();

/**
 * Runs a command in a process group of its own, so that a timeout (or `killAllRuns`) can kill it
 * together with everything it started (npm runs scripts through a shell).
 */
export function run(command: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, {
      cwd,
      env: { ...process.env, NESTJS_SUPERTREES_CHILD: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = proc.pid;
    if (pid !== undefined) running.add(pid);
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      killGroup(pid);
      reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.once('error', (error) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      reject(error);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
  running.delete(pid);
}

/** Kills every command `run` started that is still running (for afterAll). */
export function killAllRuns(): void {
  for (const pid of [...running]) killGroup(pid);
}

export function ok(result: RunResult, what: string): RunResult {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** npm itself: the one running `npm test` when there is one, else the npm on PATH. */
export function npm(args: string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.[cm]?js$/.test(cli)
    ? run(process.execPath, [cli, ...args], cwd, timeoutMs)
    : run('npm', args, cwd, timeoutMs);
}

export interface PackedLibrary {
  /** Absolute path of the .tgz. */
  tarball: string;
  integrity: string;
  /** Build and pack, in ms. */
  ms: number;
}

interface PackReport {
  filename: string;
  integrity: string;
}

/**
 * Builds and packs the library into `temp/pack/`. The package is staged in `temp/stage`
 * (libs/supertrees minus src/ and dist/, plus a fresh build: tsc, then the bundle step of its
 * `build` script) rather than built into
 * libs/supertrees/dist, so that concurrent runs of the suite in one checkout cannot delete each
 * other's build mid-pack. What ends up in the tarball is still decided by the package's own
 * package.json ("files"), as in `npm publish`.
 */
export async function packLibrary(temp: string): Promise<PackedLibrary> {
  const stage = join(temp, 'stage');
  cpSync(libDir, stage, { recursive: true, filter: (src) => !/^(src|dist|node_modules)$/.test(relative(libDir, src)) });
  const built = ok(
    await run(process.execPath, [repoTsc, '-p', join(libDir, 'tsconfig.lib.json'), '--outDir', join(stage, 'dist')], repo, 90_000),
    'tsc -p libs/supertrees/tsconfig.lib.json',
  );
  const bundled = ok(await run(process.execPath, [bundleLib, join(stage, 'dist'), '--prune'], repo, 60_000), 'node scripts/bundle-lib.mjs --prune');
  mkdirSync(join(temp, 'pack'));
  // --ignore-scripts: prepack would build again, into libs/supertrees/dist.
  const packed = ok(await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', join(temp, 'pack')], stage, 60_000), 'npm pack');
  const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as PackReport[];
  return { tarball: join(temp, 'pack', report!.filename), integrity: report!.integrity, ms: built.ms + bundled.ms + packed.ms };
}
