import { describe, expect, it } from '@jest/globals';
import { Subject } from 'rxjs';
import type { SupervisionEvent } from '../events/supervision.events.js';
import { countEvents, type LeaseChange } from './tree.metrics.js';

const base = { seq: 1, processSeq: 1, pid: 1, timestamp: 0, kind: 'worker' as const, member: 'r1', token: 7 };

describe('countEvents', () => {
  it('counts the lease events of cluster mode by path and change, and leaves membership events alone', () => {
    const events = new Subject<SupervisionEvent>();
    const seen: [string, LeaseChange][] = [];
    const other: string[] = [];
    const subscription = countEvents(events, {
      restarted: () => other.push('restarted'),
      backoff: () => other.push('backoff'),
      eventsDropped: () => other.push('dropped'),
      protocolError: () => other.push('protocol'),
      leaseChange: (path, change) => seen.push([path, change]),
    });
    events.next({ ...base, type: 'lease-acquired', path: 'root/Reconciler' });
    events.next({ ...base, type: 'lease-lost', path: 'root/Reconciler', cause: 'expired' });
    events.next({ ...base, type: 'lease-released', path: 'root/Shard#3', partition: 3, reason: 'handoff' });
    events.next({ seq: 2, processSeq: 2, pid: 1, timestamp: 0, kind: 'supervisor', type: 'member-joined', path: 'root', member: 'r2' });
    subscription.unsubscribe();
    expect(seen).toEqual([
      ['root/Reconciler', 'acquired'],
      ['root/Reconciler', 'lost'],
      ['root/Shard#3', 'released'],
    ]);
    expect(other).toEqual([]);
  });
});
