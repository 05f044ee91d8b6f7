import type { Observable, Subscription } from 'rxjs';
import type { NodeSnapshot, NodeState } from '../events/snapshot.js';
import type { SupervisionEvent } from '../events/supervision.events.js';
import type { SupervisorProcessStatus } from '../process/process.vitals.js';
import { walkSnapshot } from './snapshot.walk.js';

/** Every state a node can be in: a state-set metric has one series per state, 1 for the current one. */
export const NODE_STATES: readonly NodeState[] = ['idle', 'starting', 'running', 'backoff', 'stopping', 'stopped', 'exited', 'failed'];

/** Default buckets of the backoff-delay histogram, in seconds: 10 ms to 5 min. */
export const BACKOFF_BUCKETS_SECONDS: readonly number[] = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

/** What the event-driven metrics count; each integration writes them into its own library's instruments. */
export interface TreeCounters {
  restarted(path: string): void;
  backoff(path: string, delaySeconds: number): void;
  eventsDropped(path: string, count: number): void;
  protocolError(path: string): void;
  /** Cluster mode: a placed node's lease was acquired, lost or released by this replica. */
  leaseChange(path: string, change: LeaseChange): void;
}

/** The lease events a lease counter counts, by the event type without its `lease-` prefix. */
export type LeaseChange = 'acquired' | 'lost' | 'released';

/** Feeds the counters from the event stream; the subscription ends with it. */
export function countEvents(events$: Observable<SupervisionEvent>, counters: TreeCounters): Subscription {
  return events$.subscribe((event) => {
    switch (event.type) {
      case 'restarted':
        return counters.restarted(event.path);
      case 'restart-scheduled':
        return counters.backoff(event.path, event.delayMs / 1_000);
      case 'events-dropped':
        return counters.eventsDropped(event.path, event.count);
      case 'protocol-error':
        return counters.protocolError(event.path);
      case 'lease-acquired':
        return counters.leaseChange(event.path, 'acquired');
      case 'lease-lost':
        return counters.leaseChange(event.path, 'lost');
      case 'lease-released':
        return counters.leaseChange(event.path, 'released');
      default:
        return undefined;
    }
  });
}

/** The state of each node now, as `[path, state]` pairs. */
export function nodeStates(root: NodeSnapshot): [string, NodeState][] {
  return [...walkSnapshot(root)].map((node) => [node.path, node.state]);
}

/** One process's gauges, in base units (bytes, seconds), skipping figures it has not reported yet. */
export function processReadings(p: SupervisorProcessStatus): { metric: ProcessMetric; value: number }[] {
  const out: { metric: ProcessMetric; value: number }[] = [{ metric: 'missedHeartbeats', value: p.missedHeartbeats }];
  if (p.rssBytes !== undefined) out.push({ metric: 'rss', value: p.rssBytes });
  if (p.heapUsedBytes !== undefined) out.push({ metric: 'heapUsed', value: p.heapUsedBytes });
  if (p.heapTotalBytes !== undefined) out.push({ metric: 'heapTotal', value: p.heapTotalBytes });
  if (p.eventLoopDelayMeanMs !== undefined) out.push({ metric: 'eventLoopDelayMean', value: p.eventLoopDelayMeanMs / 1_000 });
  if (p.eventLoopDelayMaxMs !== undefined) out.push({ metric: 'eventLoopDelayMax', value: p.eventLoopDelayMaxMs / 1_000 });
  return out;
}

export type ProcessMetric = 'rss' | 'heapUsed' | 'heapTotal' | 'eventLoopDelayMean' | 'eventLoopDelayMax' | 'missedHeartbeats';
