// Where the kernel runs the two ends of a round trip between processes. Woken on the core that
// sent the message (busy a moment longer), a process runs after a context switch; woken on the
// other core, it waits for that core to leave its idle state, which on a virtual machine means a
// round through the hypervisor: tens of µs. The kernel picks one or the other per wake-up from its
// own heuristics, so an unpinned round trip is bimodal, and a call and its floor measured a second
// apart can land in different modes (on one machine the floor ran at 16 µs, on one core, and the
// call at 80 µs, on two). Pinned with taskset, each placement is measured like for like.
import { execFileSync } from 'node:child_process';

/** The CPUs `pid` may run on, as taskset lists them ("0-1", "0,2"), or undefined when taskset is missing. */
function affinityOf(pid: number): string | undefined {
  try {
    const out = execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.slice(out.lastIndexOf(':') + 1).trim();
  } catch {
    return undefined;
  }
}

/** The CPU numbers of a taskset list: "0-2,5" is [0, 1, 2, 5]. */
function cpusOf(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number) as [number, number?];
    return to === undefined ? [from] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/** Pins every thread of `pid` to `cpus` (a taskset list). */
function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-c', '-p', cpus, String(pid)], { stdio: 'ignore' });
}

export type Placement = 'one core' | 'two cores';

/**
 * Runs `measure` with this process and `others` pinned to `placement` (both on one CPU, or this
 * process on one and the others on another), then gives every process back the CPUs it had.
 * Undefined without taskset (not Linux, util-linux missing) or with fewer than two CPUs allowed.
 */
export async function withPlacement<T>(placement: Placement, others: readonly number[], measure: () => Promise<T>): Promise<T | undefined> {
  const pids = [process.pid, ...others];
  const before = pids.map(affinityOf);
  if (before.some((list) => list === undefined)) return undefined;
  const cpus = cpusOf(before[0]!);
  if (cpus.length < 2) return undefined;
  const [mine, theirs] = placement === 'one core' ? [cpus[0]!, cpus[0]!] : [cpus[0]!, cpus[1]!];
  try {
    pin(process.pid, String(mine));
    for (const pid of others) pin(pid, String(theirs));
    return await measure();
  } finally {
    pids.forEach((pid, i) => {
      try {
        pin(pid, before[i]!);
      } catch {
        // gone meanwhile
      }
    });
  }
}
