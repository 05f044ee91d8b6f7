import type { NodeSnapshot, NodeState } from '../../events/snapshot.js';
import type { SupervisionEvent } from '../../events/supervision.events.js';
import type { SupervisorProcessStatus } from '../../process/process.vitals.js';
import { walkSnapshot } from '../snapshot.walk.js';
import type { ResolvedHealthOptions } from './supervision-health.options.js';

/** What the indicator reports, up or down. */
export interface TreeHealth {
  /** The root's state (`SupervisionService.status`). */
  readonly tree: NodeState;
  /** Supervisors that gave up, or were given up on, and will not be restarted. */
  readonly givenUp: string[];
  /** Nodes waiting for one restart longer than `stuckInBackoffMs`. */
  readonly stuckInBackoff: { path: string; forMs: number }[];
  /** Supervisor processes that missed `maxMissedHeartbeats` heartbeats or more. */
  readonly unresponsive: { path: string; pid: number; missedHeartbeats: number }[];
}

/**
 * Keeps, from the event stream, what the snapshot does not say: which supervisors were given up
 * on for good, and since when a node waits in backoff. No Nest and no I/O, so it is tested alone.
 */
export class TreeHealthTracker {
  private readonly givenUp = new Set<string>();
  private readonly backoffSince = new Map<string, number>();

  apply(event: SupervisionEvent): void {
    switch (event.type) {
      case 'gave-up':
        // A supervisor never ends by itself: a policy give-up always follows its failure.
        if (event.kind === 'supervisor') this.givenUp.add(event.path);
        break;
      case 'restart-scheduled':
        this.givenUp.delete(event.path);
        this.backoffSince.set(event.path, event.timestamp);
        break;
      case 'starting':
        if (event.path.includes('/')) this.givenUp.delete(event.path);
        else this.givenUp.clear(); // the root: the whole tree starts again
        this.backoffSince.delete(event.path);
        break;
      case 'stopping':
      case 'stopped':
        this.backoffSince.delete(event.path);
        break;
      default:
        break;
    }
  }

  assess(root: NodeSnapshot, processes: readonly SupervisorProcessStatus[], options: ResolvedHealthOptions, now = Date.now()): TreeHealth {
    const stuckInBackoff: TreeHealth['stuckInBackoff'] = [];
    for (const node of walkSnapshot(root)) {
      const since = this.backoffSince.get(node.path);
      if (node.state === 'backoff' && since !== undefined && now - since > options.stuckInBackoffMs) {
        stuckInBackoff.push({ path: node.path, forMs: now - since });
      }
    }
    return {
      tree: root.state,
      givenUp: [...this.givenUp].sort(),
      stuckInBackoff,
      unresponsive: processes
        .filter((p) => p.missedHeartbeats >= options.maxMissedHeartbeats)
        .map((p) => ({ path: p.path, pid: p.pid, missedHeartbeats: p.missedHeartbeats })),
    };
  }
}

/** Alive: nothing failed for good and nothing is stuck. A tree starting or stopping is alive. */
export function isAlive(health: TreeHealth): boolean {
  return health.tree !== 'failed' && health.givenUp.length === 0 && health.stuckInBackoff.length === 0 && health.unresponsive.length === 0;
}

/** Ready: alive, and the tree has started and is not stopping. */
export function isReady(health: TreeHealth): boolean {
  return isAlive(health) && health.tree === 'running';
}
