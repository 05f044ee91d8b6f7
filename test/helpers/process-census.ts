// Every process a long run has seen, identified by pid AND start time: pids wrap around
// (/proc/sys/kernel/pid_max can be as low as 32768), so over thousands of forks a pid seen early
// may belong to an unrelated process later. Linux only (reads /proc).
import { allProcesses, descendantsIn, procStat, type ProcStat } from '../../libs/supertrees/src/testing/proc.js';

/** A process as it was recorded: `startTime` undefined when it was already gone at the first sight. */
export interface SeenProcess {
  readonly pid: number;
  readonly startTime?: string;
}

/** True while the very process recorded is alive: same pid, same start time, not a zombie. */
export function stillAlive(seen: SeenProcess): boolean {
  if (seen.startTime === undefined) return false;
  const now = procStat(seen.pid);
  return now !== undefined && now.startTime === seen.startTime && now.state !== 'Z';
}

/**
 * Every process seen during a run: named by events, or found under a root process in /proc. Kept
 * compact (a number per pid), as runs that measure their own heap record thousands of processes.
 */
export class ProcessCensus {
  /** pid → start time of the last process seen with that pid (NaN: already gone at first sight). */
  private readonly current = new Map<number, number>();
  /** Earlier processes whose pid was later reused (rare). */
  private readonly retired: SeenProcess[] = [];

  /** Records `pid` as it is now (a pid named by an event of a process that may already be gone). */
  note(pid: number): void {
    const known = this.current.get(pid);
    const now = procStat(pid);
    if (known !== undefined && (now === undefined || Number(now.startTime) === known)) return;
    this.add(pid, now ? Number(now.startTime) : Number.NaN);
  }

  /** Records every current descendant of `root`. */
  sampleDescendants(root: number): ProcStat[] {
    const found = descendantsIn(allProcesses(), root);
    for (const p of found) {
      if (this.current.get(p.pid) !== Number(p.startTime)) this.add(p.pid, Number(p.startTime));
    }
    return found;
  }

  /** Seen processes that are alive now. */
  alive(): SeenProcess[] {
    return this.all().filter(stillAlive);
  }

  all(): SeenProcess[] {
    const current = [...this.current].map(([pid, start]) => (Number.isNaN(start) ? { pid } : { pid, startTime: String(start) }));
    return [...this.retired, ...current];
  }

  /** Distinct processes seen. */
  get size(): number {
    return this.current.size + this.retired.length;
  }

  /** Pids that were seen as two different processes (the pid was reused). */
  get reusedPids(): number {
    return this.retired.length;
  }

  private add(pid: number, startTime: number): void {
    const previous = this.current.get(pid);
    if (previous !== undefined) this.retired.push(Number.isNaN(previous) ? { pid } : { pid, startTime: String(previous) });
    this.current.set(pid, startTime);
  }
}
