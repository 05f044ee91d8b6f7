import { describe, expect, it } from '@jest/globals';
import { supervisorNode, workerNode } from '../../../../test/helpers/tree-nodes.js';
import { findNode } from '../testing/snapshot.nodes.js';
import type { SupervisorNode, TreeNode, WorkerNode } from '../tree/tree.types.js';
import { SnapshotStore, type NodeSnapshot } from './snapshot.js';
import type { EventInput, ProcessEvent, SupervisionEvent } from './supervision.events.js';

const worker = (path: string): WorkerNode => workerNode(path);
const supervisor = (path: string, children: TreeNode[], isolation: 'process' | 'none' = 'none'): SupervisorNode =>
  supervisorNode(path, children, { isolation });

/**
 * root
 * ├─ W                 (worker)
 * ├─ S                 (supervisor, own process)
 * │  ├─ X              (worker)
 * │  └─ T              (supervisor)
 * │     └─ Y           (worker)
 * └─ SX                (worker whose path shares the prefix "root/S")
 */
const tree = (): SupervisorNode =>
  supervisor('root', [
    worker('root/W'),
    supervisor('root/S', [worker('root/S/X'), supervisor('root/S/T', [worker('root/S/T/Y')])], 'process'),
    worker('root/SX'),
  ]);

let seq = 0;
/** A stamped event: the fields a process adds, with `kind` taken from the path's shape in `tree()`. */
function ev(input: EventInput, stamp: Partial<Pick<SupervisionEvent, 'pid' | 'timestamp'>> = {}): SupervisionEvent {
  seq += 1;
  return { seq, processSeq: seq, timestamp: 1_000, pid: 100, ...stamp, ...input } as SupervisionEvent;
}

const isSupervisorPath = (path: string): boolean => ['root', 'root/S', 'root/S/T'].includes(path);
const kind = (path: string) => (isSupervisorPath(path) ? ('supervisor' as const) : ('worker' as const));

const started = (path: string, timestamp = 1_000, processPid?: number): SupervisionEvent =>
  ev({ type: 'started', path, kind: kind(path), attempt: 0, ...(processPid ? { processPid } : {}) }, { timestamp });
const failed = (path: string, message = 'boom'): SupervisionEvent =>
  ev({ type: 'failed', path, kind: kind(path), attempt: 0, error: { name: 'Error', message }, phase: 'run', ranForMs: 5 });

const stateOf = (store: SnapshotStore, path: string) => findNode(store.snapshot(5_000), path).state;

function running(store: SnapshotStore, ...paths: string[]): void {
  for (const path of paths) store.apply(started(path));
}

describe('SnapshotStore', () => {
  describe('before any event', () => {
    it('has every node idle with no restarts', () => {
      const snap = new SnapshotStore(tree()).snapshot();
      const all: NodeSnapshot[] = [];
      const walk = (n: NodeSnapshot): void => {
        all.push(n);
        n.children?.forEach(walk);
      };
      walk(snap);
      expect(all.map((n) => [n.path, n.state, n.restarts])).toEqual([
        ['root', 'idle', 0],
        ['root/W', 'idle', 0],
        ['root/S', 'idle', 0],
        ['root/S/X', 'idle', 0],
        ['root/S/T', 'idle', 0],
        ['root/S/T/Y', 'idle', 0],
        ['root/SX', 'idle', 0],
      ]);
    });

    it('describes a supervisor with its isolation, strategy and children, and a worker without them', () => {
      const snap = new SnapshotStore(tree()).snapshot();
      expect(findNode(snap, 'root/S')).toMatchObject({ name: 'S', kind: 'supervisor', isolation: 'process', strategy: 'one-for-one' });
      expect(findNode(snap, 'root/W')).toEqual({ name: 'W', path: 'root/W', kind: 'worker', state: 'idle', restarts: 0 });
    });
  });

  describe('folding events', () => {
    it('marks a node starting on starting', () => {
      const store = new SnapshotStore(tree());
      store.apply(ev({ type: 'starting', path: 'root/W', kind: 'worker', attempt: 0 }));
      expect(stateOf(store, 'root/W')).toBe('starting');
    });

    it('marks a node running on started, with its start time and uptime', () => {
      const store = new SnapshotStore(tree());
      store.apply(started('root/W', 1_000));
      expect(findNode(store.snapshot(1_250), 'root/W')).toMatchObject({ state: 'running', startedAt: 1_000, uptimeMs: 250 });
    });

    it('never reports a negative uptime', () => {
      const store = new SnapshotStore(tree());
      store.apply(started('root/W', 2_000));
      expect(findNode(store.snapshot(1_000), 'root/W').uptimeMs).toBe(0);
    });

    it('takes a worker’s pid from the process that emitted started', () => {
      const store = new SnapshotStore(tree());
      store.apply(ev({ type: 'started', path: 'root/W', kind: 'worker', attempt: 0 }, { pid: 4242 }));
      expect(findNode(store.snapshot(), 'root/W').pid).toBe(4242);
    });

    it('takes a process supervisor’s pid from processPid, not from the emitter', () => {
      const store = new SnapshotStore(tree());
      store.apply(ev({ type: 'started', path: 'root/S', kind: 'supervisor', attempt: 0, processPid: 777 }, { pid: 100 }));
      expect(findNode(store.snapshot(), 'root/S').pid).toBe(777);
    });

    it('counts a restart for each restarted event', () => {
      const store = new SnapshotStore(tree());
      store.apply(ev({ type: 'restarted', path: 'root/W', kind: 'worker', attempt: 1, downtimeMs: 3 }));
      store.apply(ev({ type: 'restarted', path: 'root/W', kind: 'worker', attempt: 2, downtimeMs: 3 }));
      expect(findNode(store.snapshot(), 'root/W').restarts).toBe(2);
    });

    it('does not count a restart from starting or started events with an attempt above 0', () => {
      const store = new SnapshotStore(tree());
      store.apply(ev({ type: 'starting', path: 'root/W', kind: 'worker', attempt: 3 }));
      store.apply(ev({ type: 'started', path: 'root/W', kind: 'worker', attempt: 3 }));
      expect(findNode(store.snapshot(), 'root/W').restarts).toBe(0);
    });

    it('marks a node failed with its last error on failed', () => {
      const store = new SnapshotStore(tree());
      store.apply(failed('root/W', 'disk full'));
      expect(findNode(store.snapshot(), 'root/W')).toMatchObject({ state: 'failed', lastError: { name: 'Error', message: 'disk full' } });
    });

    it('keeps the last error once the node runs again', () => {
      const store = new SnapshotStore(tree());
      store.apply(failed('root/W', 'disk full'));
      store.apply(started('root/W'));
      expect(findNode(store.snapshot(), 'root/W').lastError?.message).toBe('disk full');
    });

    it('replaces the last error with a newer one', () => {
      const store = new SnapshotStore(tree());
      store.apply(failed('root/W', 'first'));
      store.apply(failed('root/W', 'second'));
      expect(findNode(store.snapshot(), 'root/W').lastError?.message).toBe('second');
    });

    it('marks a node exited on exited', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/W');
      store.apply(ev({ type: 'exited', path: 'root/W', kind: 'worker', attempt: 0, ranForMs: 10 }));
      expect(stateOf(store, 'root/W')).toBe('exited');
    });

    it('drops the uptime of a node that is no longer running but keeps its start time', () => {
      const store = new SnapshotStore(tree());
      store.apply(started('root/W', 1_000));
      store.apply(ev({ type: 'exited', path: 'root/W', kind: 'worker', attempt: 0, ranForMs: 10 }));
      const node = findNode(store.snapshot(2_000), 'root/W');
      expect(node.startedAt).toBe(1_000);
      expect(node).not.toHaveProperty('uptimeMs');
    });

    it('marks a node backoff on restart-scheduled', () => {
      const store = new SnapshotStore(tree());
      store.apply(ev({ type: 'restart-scheduled', path: 'root/W', kind: 'worker', attempt: 1, delayMs: 50, cause: 'root/W' }));
      expect(stateOf(store, 'root/W')).toBe('backoff');
    });

    it('marks a supervisor failed when it gives up on intensity', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/S');
      store.apply(ev({ type: 'gave-up', path: 'root/S', kind: 'supervisor', reason: 'intensity', restarts: 4 }));
      expect(stateOf(store, 'root/S')).toBe('failed');
    });

    it('leaves the state alone when a child is given up on by its policy', () => {
      const store = new SnapshotStore(tree());
      store.apply(ev({ type: 'exited', path: 'root/W', kind: 'worker', attempt: 0, ranForMs: 10 }));
      store.apply(ev({ type: 'gave-up', path: 'root/W', kind: 'worker', reason: 'policy', restarts: 0 }));
      expect(stateOf(store, 'root/W')).toBe('exited');
    });

    it('marks a node stopping, then stopped', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/W');
      store.apply(ev({ type: 'stopping', path: 'root/W', kind: 'worker', reason: 'shutdown' }));
      const during = stateOf(store, 'root/W');
      store.apply(ev({ type: 'stopped', path: 'root/W', kind: 'worker', reason: 'shutdown', timedOut: false }));
      expect([during, stateOf(store, 'root/W')]).toEqual(['stopping', 'stopped']);
    });

    it.each(['escalated', 'tree-failed'] as const)('marks a supervisor failed with the error on %s', (type) => {
      const store = new SnapshotStore(tree());
      store.apply(ev({ type, path: 'root', kind: 'supervisor', error: { name: 'SupervisorGaveUpError', message: 'gave up' } }));
      expect(findNode(store.snapshot(), 'root')).toMatchObject({ state: 'failed', lastError: { message: 'gave up' } });
    });

    it('changes nothing on events-dropped and protocol-error', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/S');
      const before = store.snapshot(5_000);
      store.apply(ev({ type: 'events-dropped', path: 'root/S', kind: 'supervisor', count: 3, originPid: 9 }));
      store.apply(ev({ type: 'protocol-error', path: 'root/S', kind: 'supervisor', fromPid: 9, detail: 'bad', count: 1 }));
      expect(store.snapshot(5_000)).toEqual(before);
    });

    it('ignores events about paths outside the tree', () => {
      const store = new SnapshotStore(tree());
      const before = store.snapshot(5_000);
      store.apply(started('root/Ghost'));
      store.apply(failed('root/S/Ghost'));
      expect(store.snapshot(5_000)).toEqual(before);
    });
  });

  describe('a supervisor that ends takes its subtree with it', () => {
    it('settles every running descendant to stopped when the supervisor fails', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/S', 'root/S/X', 'root/S/T', 'root/S/T/Y');
      store.apply(failed('root/S'));
      expect(['root/S/X', 'root/S/T', 'root/S/T/Y'].map((p) => stateOf(store, p))).toEqual(['stopped', 'stopped', 'stopped']);
    });

    it('settles the descendants of a supervisor that stopped', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/S', 'root/S/X');
      store.apply(ev({ type: 'stopped', path: 'root/S', kind: 'supervisor', reason: 'strategy', timedOut: false }));
      expect(stateOf(store, 'root/S/X')).toBe('stopped');
    });

    it('settles the descendants of a supervisor that exited', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/S', 'root/S/T/Y');
      store.apply(ev({ type: 'exited', path: 'root/S', kind: 'supervisor', attempt: 0, ranForMs: 1 }));
      expect(stateOf(store, 'root/S/T/Y')).toBe('stopped');
    });

    it('settles descendants caught starting, in backoff or stopping', () => {
      const store = new SnapshotStore(tree());
      store.apply(ev({ type: 'starting', path: 'root/S/X', kind: 'worker', attempt: 0 }));
      store.apply(ev({ type: 'restart-scheduled', path: 'root/S/T', kind: 'supervisor', attempt: 1, delayMs: 5, cause: 'root/S/T' }));
      store.apply(ev({ type: 'stopping', path: 'root/S/T/Y', kind: 'worker', reason: 'shutdown' }));
      store.apply(failed('root/S'));
      expect(['root/S/X', 'root/S/T', 'root/S/T/Y'].map((p) => stateOf(store, p))).toEqual(['stopped', 'stopped', 'stopped']);
    });

    it('keeps the state of a descendant that had already failed', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/S');
      store.apply(failed('root/S/X'));
      store.apply(failed('root/S'));
      expect(stateOf(store, 'root/S/X')).toBe('failed');
    });

    it('keeps the state of a descendant that had exited or was still idle', () => {
      const store = new SnapshotStore(tree());
      store.apply(ev({ type: 'exited', path: 'root/S/X', kind: 'worker', attempt: 0, ranForMs: 1 }));
      store.apply(failed('root/S'));
      expect([stateOf(store, 'root/S/X'), stateOf(store, 'root/S/T/Y')]).toEqual(['exited', 'idle']);
    });

    it('leaves nodes outside the subtree alone, even those whose path shares its prefix', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/W', 'root/SX', 'root/S', 'root/S/X');
      store.apply(failed('root/S'));
      expect([stateOf(store, 'root/W'), stateOf(store, 'root/SX')]).toEqual(['running', 'running']);
    });

    it('does not settle anything when a worker fails', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/SX', 'root/S/X');
      store.apply(ev({ type: 'failed', path: 'root/S', kind: 'worker', attempt: 0, error: { name: 'E', message: 'm' }, phase: 'run', ranForMs: 0 }));
      expect(stateOf(store, 'root/S/X')).toBe('running');
    });
  });

  describe('merge', () => {
    const reported = (overrides: Partial<NodeSnapshot> & { path: string }): NodeSnapshot => ({
      name: overrides.path.split('/').pop()!,
      kind: kind(overrides.path),
      state: 'running',
      restarts: 0,
      ...overrides,
    });

    it('takes the state, start time, pid and last error a process reports for its subtree', () => {
      const store = new SnapshotStore(tree());
      store.merge(
        reported({
          path: 'root/S',
          state: 'running',
          startedAt: 1_500,
          pid: 321,
          children: [reported({ path: 'root/S/X', state: 'failed', lastError: { name: 'Error', message: 'lost' } })],
        }),
      );
      const snap = store.snapshot(2_000);
      expect(findNode(snap, 'root/S')).toMatchObject({ state: 'running', startedAt: 1_500, pid: 321, uptimeMs: 500 });
      expect(findNode(snap, 'root/S/X')).toMatchObject({ state: 'failed', lastError: { message: 'lost' } });
    });

    it('merges nodes nested several levels deep', () => {
      const store = new SnapshotStore(tree());
      store.merge(reported({ path: 'root/S', children: [reported({ path: 'root/S/T', children: [reported({ path: 'root/S/T/Y', state: 'backoff' })] })] }));
      expect(stateOf(store, 'root/S/T/Y')).toBe('backoff');
    });

    it('takes the higher restart count', () => {
      const store = new SnapshotStore(tree());
      store.merge(reported({ path: 'root/S/X', restarts: 7 }));
      expect(findNode(store.snapshot(), 'root/S/X').restarts).toBe(7);
    });

    it('never lowers the restart count it already has', () => {
      const store = new SnapshotStore(tree());
      for (let i = 1; i <= 3; i++) store.apply(ev({ type: 'restarted', path: 'root/S/X', kind: 'worker', attempt: i, downtimeMs: 1 }));
      store.merge(reported({ path: 'root/S/X', restarts: 1 }));
      expect(findNode(store.snapshot(), 'root/S/X').restarts).toBe(3);
    });

    it('keeps the last error it has when the report carries none', () => {
      const store = new SnapshotStore(tree());
      store.apply(failed('root/S/X', 'earlier'));
      store.merge(reported({ path: 'root/S/X', state: 'running' }));
      expect(findNode(store.snapshot(), 'root/S/X').lastError?.message).toBe('earlier');
    });

    it('ignores reported nodes that are not in the tree', () => {
      const store = new SnapshotStore(tree());
      const before = store.snapshot(5_000);
      store.merge(reported({ path: 'root/Elsewhere', state: 'failed', restarts: 9 }));
      expect(store.snapshot(5_000)).toEqual(before);
    });

    it('leaves the nodes the report does not name alone', () => {
      const store = new SnapshotStore(tree());
      running(store, 'root/S/T/Y');
      store.merge(reported({ path: 'root/S/X', state: 'failed' }));
      expect(stateOf(store, 'root/S/T/Y')).toBe('running');
    });
  });
});

describe('SnapshotStore: children added and removed at run time', () => {
  const dyn: SupervisorNode = { ...supervisor('root/Tenants', []), dynamic: true };
  const at = (store: SnapshotStore, path: string) => store.snapshot().children!.find((c) => c.path === path);
  const ev = (e: Record<string, unknown>) => ({ pid: 1, processSeq: 1, timestamp: 1, kind: 'worker', ...e }) as ProcessEvent;

  it('shows a dynamic child with its id from child-added, follows its state, and drops it at child-removed', () => {
    const store = new SnapshotStore(dyn);
    store.apply(ev({ type: 'child-added', path: 'root/Tenants/W:acme', id: 'acme' }));
    store.apply(ev({ type: 'started', path: 'root/Tenants/W:acme', attempt: 0 }));
    expect(at(store, 'root/Tenants/W:acme')).toMatchObject({ name: 'W:acme', id: 'acme', state: 'running', kind: 'worker' });
    store.apply(ev({ type: 'stopped', path: 'root/Tenants/W:acme', reason: 'terminated', timedOut: false }));
    expect(at(store, 'root/Tenants/W:acme')!.state).toBe('terminated');
    store.apply(ev({ type: 'child-removed', path: 'root/Tenants/W:acme', reason: 'deleted' }));
    expect(store.snapshot().children).toEqual([]);
  });

  it('takes the children a process lists in its own snapshot, added and removed', () => {
    const store = new SnapshotStore(dyn);
    store.apply(ev({ type: 'child-added', path: 'root/Tenants/W:gone', id: 'gone' }));
    store.merge({
      name: 'Tenants',
      path: 'root/Tenants',
      kind: 'supervisor',
      state: 'running',
      restarts: 0,
      children: [{ name: 'W:new', path: 'root/Tenants/W:new', kind: 'worker', state: 'running', restarts: 0, id: 'new' }],
    });
    expect(store.snapshot().children!.map((c) => [c.path, c.id, c.state])).toEqual([['root/Tenants/W:new', 'new', 'running']]);
  });

  it('gives a supervisor that starts again its declared children and no others', () => {
    const pool = { ...worker('root/P/W#0'), pool: 'root/P/W', instance: 0 } as WorkerNode;
    const store = new SnapshotStore(supervisor('root', [supervisor('root/P', [pool])]));
    store.apply(ev({ type: 'child-removed', path: 'root/P/W#0', reason: 'scaled-down' }));
    store.apply(ev({ type: 'child-added', path: 'root/P/W#1', instance: 1 }));
    expect(store.snapshot().children![0]!.children!.map((c) => c.path)).toEqual(['root/P/W#1']);
    store.apply(ev({ type: 'starting', path: 'root/P', kind: 'supervisor', attempt: 1 }));
    expect(store.snapshot().children![0]!.children!.map((c) => [c.path, c.instance])).toEqual([['root/P/W#0', 0]]);
  });

  it('keeps the record of a declared pool member that scale() removed and added again when its supervisor starts again, as any declared child', () => {
    const pool = { ...worker('root/P/W#0'), pool: 'root/P/W', instance: 0 } as WorkerNode;
    const store = new SnapshotStore(supervisor('root', [supervisor('root/P', [pool])]));
    store.apply(ev({ type: 'child-removed', path: 'root/P/W#0', reason: 'scaled-down' }));
    store.apply(ev({ type: 'child-added', path: 'root/P/W#0', instance: 0 }));
    store.apply(ev({ type: 'restarted', path: 'root/P/W#0', attempt: 1, downMs: 1 }));
    store.apply(ev({ type: 'starting', path: 'root/P', kind: 'supervisor', attempt: 1 }));
    expect(store.snapshot().children![0]!.children!.map((c) => [c.path, c.restarts])).toEqual([['root/P/W#0', 1]]);
  });
});
