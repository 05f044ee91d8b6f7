// What the kernel says about processes, read from /proc (Linux). The one parser of /proc/<pid>/stat
// for the testing kit, the repository's tests and its benchmarks. Where there is no /proc, the
// functions that list processes return nothing and isAlive() falls back to kill(pid, 0).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SUPERVISOR_PROCESS_ENV } from '../shared/supervision.constants.js';

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** Process group. */
  readonly pgrp: number;
  /** One letter: R, S, D, Z (zombie), ... */
  readonly state: string;
  /** Clock ticks after boot: with the pid, the identity of a process (pids are reused). */
  readonly startTime: string;
  /** CPU time used so far (user + system), in clock ticks (10 ms on Linux). */
  readonly cpuTicks: number;
}

/** True where /proc can be read (Linux). */
export const hasProcFs = (): boolean => existsSync('/proc/self/stat');

/** What /proc says about `pid` now, or undefined if there is no such process (or no /proc). */
export function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ..." where comm may hold spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    startTime: fields[19]!,
  };
}

/** Every process on the machine, read from /proc in one pass. */
export function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat) out.push(stat);
  }
  return out;
}

/** The descendants of `root` among `processes` (zombies included), depth first. */
export function descendantsIn(
  processes: readonly ProcStat[],
  root: number,
): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const p of processes) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const out: ProcStat[] = [];
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      visit(child.pid);
    }
  };
  visit(root);
  return out;
}

/** The live (non-zombie) descendants of `root`, read from /proc now. */
export function liveDescendantsOf(root: number = process.pid): number[] {
  return descendantsIn(allProcesses(), root)
    .filter((p) => p.state !== 'Z')
    .map((p) => p.pid);
}

/** True while a process with this pid exists and is not a zombie (exited, not yet reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); /proc says what it really is.
  const stat = procStat(pid);
  return stat === undefined ? !hasProcFs() : stat.state !== 'Z';
}

/**
 * The live supervisor processes below `root` (spares included): the descendants whose
 * environment marks them as forked by the library.
 */
export function supervisorProcessesOf(root: number = process.pid): number[] {
  const marker = `${SUPERVISOR_PROCESS_ENV}=1`;
  return liveDescendantsOf(root).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .includes(marker);
    } catch {
      return false;
    }
  });
}
