import type { RestartPolicy, SupervisionStrategy } from '../interfaces/options.interface.js';

/** How a child's run ended: by itself (`normal`) or by an error (`failed`). */
export type ExitKind = 'normal' | 'failed';

/** Whether a child that ended by itself is restarted, given its policy and its restarts so far. */
export function shouldRestart(policy: RestartPolicy, exit: ExitKind, restartsSoFar: number): boolean {
  switch (policy) {
    case 'always':
      return true;
    case 'on-failure':
      return exit === 'failed';
    case 'once':
      return restartsSoFar < 1;
    case 'never':
      return false;
  }
}

/**
 * Whether a child stopped because of a sibling's restart comes back with it. As in OTP, a
 * `never` (temporary) child does not; nor does a `once` child that used its one restart.
 */
export function restartsWithSibling(policy: RestartPolicy, restartsSoFar: number): boolean {
  if (policy === 'never') return false;
  if (policy === 'once') return restartsSoFar < 1;
  return true;
}

/**
 * The children (indexes, in start order) that are restarted together when child `failed` is:
 * only it (one-for-one), all (one-for-all), or it and those started after it (rest-for-one).
 */
export function restartGroup(strategy: SupervisionStrategy, childCount: number, failed: number): number[] {
  switch (strategy) {
    case 'one-for-one':
      return [failed];
    case 'one-for-all':
      return range(0, childCount);
    case 'rest-for-one':
      return range(failed, childCount);
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
