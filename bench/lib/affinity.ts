// Where the kernel runs the two ends of a round trip between processes. Woken on the core that
// sent the message (busy a moment longer), a process runs after a context switch; woken on the
// other core, it waits for that core to leave its idle state, which on a virtual machine means a
// round through the hypervisor: tens of µs. The kernel picks one or the other per wake-up from its
// own heuristics, so an unpinned round trip is bimodal, and a call and its floor measured a second
// apart can land in different modes (on one machine the floor ran at 16 µs, on one core, and the
// call at 80 µs, on two). Pinned with taskset, each placement is measured like for like.
import { execFileSync } from 'node:child_process';

/** taskset's messages, untranslated. */
const TASKSET_ENV = { ...process.env, LC_ALL: 'C' };

/** The CPUs `pid` may run on, as taskset lists them ("0-1", "0,2"). Throws when taskset fails (missing, or no such process). */
function affinityOf(pid: number): string {
  const out = execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: TASKSET_ENV });
  return out.slice(out.lastIndexOf(':') + 1).trim();
}

/** The CPU numbers of a taskset list: "0-2,5" is [0, 1, 2, 5]. */
export function cpusOf(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number) as [number, number?];
    return to === undefined ? [from] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/** Pins every thread of `pid` to `cpus` (a taskset list). */
function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-c', '-p', cpus, String(pid)], { stdio: 'ignore', env: TASKSET_ENV });
}

export type Placement = 'one core' | 'two cores';

/** Why a placement could not be measured: no taskset, fewer than two CPUs allowed, or pinning refused. */
export type Unplaced = { readonly unavailable: string };

/**
 * Runs `measure` with this process and `others` (its own children, alive) pinned to `placement`
 * (all on one CPU, or this process on one and the others on another), then gives every process back
 * the CPUs it had. Returns why not, without measuring, when taskset is missing, fewer than two CPUs
 * are allowed, or the kernel refuses the pinning (a cpuset, no permission). Throws when this
 * process's own CPUs cannot be given back, so that nothing measured after runs pinned unawares.
 */
export async function withPlacement<T>(placement: Placement, others: readonly number[], measure: () => Promise<T>): Promise<T | Unplaced> {
  let mine: string;
  try {
    mine = affinityOf(process.pid);
  } catch (error) {
    return { unavailable: `taskset could not be run (${firstLine(error)})` };
  }
  // A child that is gone is a bug of the caller's, not a machine without taskset: it throws.
  const theirs = others.map(affinityOf);
  const cpus = cpusOf(mine);
  if (cpus.length < 2) return { unavailable: `this process may run on one CPU only (${mine})` };
  const [here, there] = placement === 'one core' ? [cpus[0]!, cpus[0]!] : [cpus[0]!, cpus[1]!];
  try {
    try {
      pin(process.pid, String(here));
      for (const pid of others) pin(pid, String(there));
    } catch (error) {
      return { unavailable: `the kernel refused the pinning (${firstLine(error)})` };
    }
    return await measure();
  } finally {
    pin(process.pid, mine);
    others.forEach((pid, i) => pin(pid, theirs[i]!));
  }
}

export function isUnplaced(value: unknown): value is Unplaced {
  return typeof value === 'object' && value !== null && 'unavailable' in value;
}

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: Buffer | string }).stderr?.toString().trim();
  return (stderr || (error instanceof Error ? error.message : String(error))).split('\n')[0]!;
}
