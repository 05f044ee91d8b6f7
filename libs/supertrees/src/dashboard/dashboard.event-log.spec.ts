import { describe, expect, it } from '@jest/globals';
import { Subject } from 'rxjs';
import type { SupervisionEvent, SupervisionService } from '../index.js';
import { DashboardEventLog } from './dashboard.event-log.js';
import { resolveDashboardOptions } from './dashboard.options.js';

const guard = { canActivate: () => true };

function logOf(eventLogSize: number): { log: DashboardEventLog; events: Subject<SupervisionEvent> } {
  const events = new Subject<SupervisionEvent>();
  const service = { events$: events.asObservable() } as unknown as SupervisionService;
  const log = new DashboardEventLog(service, resolveDashboardOptions({ guard, eventLogSize }));
  log.onModuleInit();
  return { log, events };
}

const event = (seq: number): SupervisionEvent =>
  ({ type: 'started', seq, processSeq: seq, timestamp: 0, path: 'root/A', kind: 'worker', pid: 1, attempt: 0 }) as SupervisionEvent;

describe('DashboardEventLog', () => {
  it('keeps the last eventLogSize events, oldest first', () => {
    const { log, events } = logOf(3);
    [1, 2].forEach((seq) => events.next(event(seq)));
    expect(log.recent().map((e) => e.seq)).toEqual([1, 2]);
    [3, 4, 5, 6, 7].forEach((seq) => events.next(event(seq)));
    expect(log.recent().map((e) => e.seq)).toEqual([5, 6, 7]);
    log.onModuleDestroy();
  });

  it('keeps nothing with eventLogSize 0, and still knows when the stream ended', () => {
    const { log, events } = logOf(0);
    events.next(event(1));
    expect(log.recent()).toEqual([]);
    expect(log.ended).toBe(false);
    events.complete();
    expect(log.ended).toBe(true);
  });

  it('stops listening when its module is destroyed', () => {
    const { log, events } = logOf(2);
    log.onModuleDestroy();
    events.next(event(1));
    expect(log.recent()).toEqual([]);
    expect(events.observed).toBe(false);
  });
});
