import { describe, expect, it } from '@jest/globals';
import type { NodeSnapshot, NodeState } from '../../events/snapshot.js';
import type { SupervisionEvent } from '../../events/supervision.events.js';
import { HEALTH_DEFAULTS } from './supervision-health.options.js';
import { isAlive, isReady, TreeHealthTracker } from './tree-health.tracker.js';

const base = { seq: 1, processSeq: 1, pid: 1 };
const ev = (e: Partial<SupervisionEvent> & Pick<SupervisionEvent, 'type' | 'path'>): SupervisionEvent =>
  ({ ...base, timestamp: 1_000, kind: 'supervisor', ...e }) as SupervisionEvent;
const tree = (root: NodeState, sup: NodeState, worker: NodeState): NodeSnapshot => ({
  name: 'root', path: 'root', kind: 'supervisor', state: root, restarts: 0,
  children: [{ name: 'S', path: 'root/S', kind: 'supervisor', state: sup, restarts: 0, children: [{ name: 'W', path: 'root/S/W', kind: 'worker', state: worker, restarts: 0 }] }],
});

describe('TreeHealthTracker', () => {
  it('counts a supervisor as given up until it is scheduled for a restart', () => {
    const tracker = new TreeHealthTracker();
    tracker.apply(ev({ type: 'gave-up', path: 'root/S', reason: 'intensity', restarts: 3 }));
    expect(tracker.assess(tree('running', 'failed', 'stopped'), [], HEALTH_DEFAULTS).givenUp).toEqual(['root/S']);
    tracker.apply(ev({ type: 'restart-scheduled', path: 'root/S', attempt: 1, delayMs: 10, cause: 'root/S' }));
    expect(tracker.assess(tree('running', 'backoff', 'stopped'), [], HEALTH_DEFAULTS).givenUp).toEqual([]);
  });

  it('ignores a worker its policy let end', () => {
    const tracker = new TreeHealthTracker();
    tracker.apply(ev({ type: 'gave-up', path: 'root/S/W', kind: 'worker', reason: 'policy', restarts: 0 }));
    expect(tracker.assess(tree('running', 'running', 'exited'), [], HEALTH_DEFAULTS).givenUp).toEqual([]);
  });

  it('reports a node in backoff past the threshold, by the time its restart was scheduled', () => {
    const tracker = new TreeHealthTracker();
    tracker.apply(ev({ type: 'restart-scheduled', path: 'root/S/W', kind: 'worker', attempt: 1, delayMs: 60_000, cause: 'root/S/W' }));
    const options = { ...HEALTH_DEFAULTS, stuckInBackoffMs: 500 };
    expect(tracker.assess(tree('running', 'running', 'backoff'), [], options, 1_400).stuckInBackoff).toEqual([]);
    expect(tracker.assess(tree('running', 'running', 'backoff'), [], options, 1_600).stuckInBackoff).toEqual([{ path: 'root/S/W', forMs: 600 }]);
    tracker.apply(ev({ type: 'starting', path: 'root/S/W', kind: 'worker', attempt: 1 }));
    expect(tracker.assess(tree('running', 'running', 'starting'), [], options, 1_600).stuckInBackoff).toEqual([]);
  });

  it('reports processes that missed maxMissedHeartbeats heartbeats', () => {
    const processes = [
      { path: 'root/S', pid: 7, silentForMs: 1_600, missedHeartbeats: 3 },
      { path: 'root/T', pid: 8, silentForMs: 100, missedHeartbeats: 0 },
    ];
    const health = new TreeHealthTracker().assess(tree('running', 'running', 'running'), processes, HEALTH_DEFAULTS);
    expect(health.unresponsive).toEqual([{ path: 'root/S', pid: 7, missedHeartbeats: 3 }]);
    expect(isAlive(health)).toBe(false);
  });

  it('is alive while starting or stopping, and ready only when running', () => {
    const tracker = new TreeHealthTracker();
    for (const [state, alive, ready] of [['idle', true, false], ['starting', true, false], ['running', true, true], ['stopping', true, false], ['failed', false, false]] as const) {
      const health = tracker.assess(tree(state, 'running', 'running'), [], HEALTH_DEFAULTS);
      expect([state, isAlive(health), isReady(health)]).toEqual([state, alive, ready]);
    }
  });
});
