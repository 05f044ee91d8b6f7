import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allProcesses, procStat } from '../../libs/supertrees/src/testing/proc.js';

/** A compiled fixture script, by its name in bench/fixtures/. */
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}.js`, import.meta.url));

const live = new Set<ChildProcess>();

/** SIGKILLs every process this process forked through {@link forkTracked} that is still alive. */
export function killTracked(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone already
    }
  }
}
process.on('exit', killTracked);

/**
 * Forks a compiled script with no inherited Node flags, its output passed through, and keeps it
 * on a list so that it is killed when this process ends, however it ends.
 */
export function forkTracked(script: string, args: string[] = [], options: ForkOptions = {}): ChildProcess {
  const child = fork(script, args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...options });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Resolves once the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGKILLs the process and waits until it is gone. */
export async function kill(child: ChildProcess): Promise<void> {
  const done = exited(child);
  child.kill('SIGKILL');
  await done;
}

/** The first IPC message from `child` that `accept` recognises; rejects if the child exits first or on timeout. */
export function nextMessage<T>(child: ChildProcess, accept: (message: unknown) => message is T, timeoutMs = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: unknown) => {
      if (!accept(message)) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`process ${child.pid} exited (${code ?? signal}) before the expected message`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no expected message from process ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Memory of a live process from /proc/<pid>/status, in KiB: resident now, and its peak (high-water mark). */
export interface ProcessMemory {
  readonly rssKiB: number;
  readonly hwmKiB: number;
}

export function memoryOf(pid: number): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Live (non-zombie) children of `pid`, read from /proc. */
export function childrenOf(pid: number): number[] {
  return allProcesses()
    .filter((p) => p.ppid === pid && p.state !== 'Z')
    .map((p) => p.pid);
}

/** Live (non-zombie) processes whose process group is `pgid`, read from /proc. */
export function processGroupMembers(pgid: number): number[] {
  return allProcesses()
    .filter((p) => p.pgrp === pgid && p.state !== 'Z')
    .map((p) => p.pid);
}

export const isMessage =
  <T extends string>(t: T) =>
  (message: unknown): message is { t: T } & Record<string, unknown> =>
    typeof message === 'object' && message !== null && (message as { t?: unknown }).t === t;

/** CPU time (user + system) a live process has used so far, in ms (Linux counts it in 10 ms ticks). */
export function cpuMsOf(pid: number): number {
  const stat = procStat(pid);
  return stat === undefined ? NaN : stat.cpuTicks * 10;
}

/**
 * Memory only this process holds (private clean + dirty pages, from /proc/<pid>/smaps_rollup), in
 * KiB: what one more such process costs, unlike RSS, which also counts pages shared with others.
 */
export function privateKiBOf(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
    return field('Private_Clean') + field('Private_Dirty');
  } catch {
    return NaN;
  }
}
