import type { Isolation, SupervisionStrategy } from '../interfaces/options.interface.js';
import { walkTree, type SupervisorNode, type TreeNode } from '../tree/tree.types.js';
import type { ErrorInfo, NodeKind, ProcessEvent } from './supervision.events.js';

/** Where a node is in its life (as its supervisor sees it, and in the snapshot). */
export type NodeState = 'idle' | 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'exited' | 'failed' | 'terminated';

/** One node of {@link SupervisionService.snapshot}: the tree now. */
export interface NodeSnapshot {
  readonly name: string;
  readonly path: string;
  readonly kind: NodeKind;
  readonly state: NodeState;
  /** Restarts so far (each `restarted` event). */
  readonly restarts: number;
  readonly lastError?: ErrorInfo;
  /** When it last started, ms since the epoch. */
  readonly startedAt?: number;
  /** How long it has been running, when it is. */
  readonly uptimeMs?: number;
  /** The process it runs in (for a process supervisor: its own process). */
  readonly pid?: number;
  readonly isolation?: Isolation;
  readonly strategy?: SupervisionStrategy;
  /** A dynamic child's id. */
  readonly id?: string;
  /** A pool member's index. */
  readonly instance?: number;
  /** Cluster mode: a placed node's placement (`partition`: which one this node is). Absent for one placed everywhere. */
  readonly placement?: 'singleton' | { readonly partitions: number; readonly partition: number };
  /**
   * Cluster mode, a placed node: whether this replica holds its lease now, and the token it holds (or
   * last held) it with; absent until this replica first acquired it.
   */
  readonly lease?: { readonly held: boolean; readonly token: number };
  readonly children?: readonly NodeSnapshot[];
}

interface NodeRecord {
  /** Set for a child added at run time (dynamic child, pool member added by scale). */
  added?: { readonly name: string; readonly id?: string; readonly instance?: number };
  state: NodeState;
  restarts: number;
  lastError?: ErrorInfo;
  startedAt?: number;
  pid?: number;
  lease?: { held: boolean; token: number };
}

function placementOf(p: NonNullable<TreeNode['placement']>): NonNullable<NodeSnapshot['placement']> {
  return p.kind === 'singleton' ? 'singleton' : { partitions: p.partitions, partition: p.partition };
}

/**
 * A record with every field it may get, in one literal: a dynamic supervisor holds one per child
 * (100 000, say), and fields added later would each move them to a separate, regrown store.
 */
function newRecord(added?: NodeRecord['added']): NodeRecord {
  return { added, state: 'idle', restarts: 0, lastError: undefined, startedAt: undefined, pid: undefined, lease: undefined };
}

const DOWN: ReadonlySet<NodeState> = new Set(['idle', 'stopped', 'exited', 'failed', 'terminated']);

/**
 * The state of every node, folded from the event stream alone: the same events that cross
 * process boundaries build the view of the whole tree, so the snapshot and the events never
 * disagree.
 */
export class SnapshotStore {
  private built?: {
    readonly root: SupervisorNode;
    readonly records: Map<string, NodeRecord>;
    /** The children added at run time under each supervisor path, in order of addition. */
    readonly added: Map<string, Set<string>>;
    /** Each supervisor by path, to put back its declared children when it starts again. */
    readonly supervisors: Map<string, SupervisorNode>;
  };

  /**
   * `root` may be given late, as a function called on first use: the main process's store is a
   * provider made before the tree is built (in `onModuleInit`), and nothing has to attach it later.
   */
  constructor(private readonly root: SupervisorNode | (() => SupervisorNode)) {}

  private get records(): Map<string, NodeRecord> {
    return (this.built ??= this.build()).records;
  }

  /** Folds one event in (it needs no `seq`: a supervisor process folds its own events too). */
  apply(event: ProcessEvent): void {
    if (event.type === 'child-added') return this.add(event.path, event.id, event.instance);
    const record = this.records.get(event.path);
    if (!record) return;
    switch (event.type) {
      case 'starting':
        record.state = 'starting';
        // A supervisor that starts (again) has its declared children and no others: what scale() and
        // startChild() changed belongs to its previous run (restored children are added anew).
        if (event.kind === 'supervisor' && this.built!.supervisors.has(event.path)) this.resetMembers(event.path);
        break;
      case 'started':
        record.state = 'running';
        record.startedAt = event.timestamp;
        record.pid = event.processPid ?? event.pid;
        break;
      case 'restarted':
        record.restarts += 1;
        break;
      case 'exited':
        record.state = 'exited';
        this.settleDescendants(event);
        break;
      case 'failed':
        record.state = 'failed';
        record.lastError = event.error;
        this.settleDescendants(event);
        break;
      case 'escalated':
      case 'tree-failed':
        record.state = 'failed';
        record.lastError = event.error;
        break;
      case 'restart-scheduled':
        record.state = 'backoff';
        break;
      case 'gave-up':
        if (event.reason === 'intensity') record.state = 'failed';
        break;
      case 'stopping':
        record.state = 'stopping';
        break;
      case 'stopped':
        record.state = event.reason === 'terminated' ? 'terminated' : 'stopped';
        this.settleDescendants(event);
        break;
      case 'child-removed':
        this.remove(event.path);
        break;
      case 'lease-acquired':
        record.lease = { held: true, token: event.token };
        break;
      case 'lease-lost':
      case 'lease-released':
        record.lease = { held: false, token: event.token };
        break;
      case 'events-dropped':
      case 'protocol-error':
      case 'member-joined':
      case 'member-left':
        break;
    }
  }

  /**
   * Takes a process's own account of its subtree, sent after it had to drop events, as the truth
   * for the nodes it names.
   */
  merge(snapshot: NodeSnapshot): void {
    if (snapshot.kind === 'supervisor' && snapshot.children) this.mergeMembers(snapshot);
    const record = this.records.get(snapshot.path);
    if (record) {
      record.state = snapshot.state;
      record.restarts = Math.max(record.restarts, snapshot.restarts);
      if (snapshot.lastError) record.lastError = snapshot.lastError;
      if (snapshot.startedAt !== undefined) record.startedAt = snapshot.startedAt;
      if (snapshot.pid !== undefined) record.pid = snapshot.pid;
    }
    snapshot.children?.forEach((child) => this.merge(child));
  }

  /** A supervisor's own account of which children it has: added ones appear, removed ones go. */
  private mergeMembers(snapshot: NodeSnapshot): void {
    const listed = new Set(snapshot.children!.map((c) => c.path));
    for (const child of snapshot.children!) {
      if (!this.records.has(child.path) && child.kind === 'worker') this.add(child.path, child.id, child.instance);
    }
    for (const path of [...(this.built!.added.get(snapshot.path) ?? [])]) if (!listed.has(path)) this.remove(path);
    for (const node of this.staticChildren(snapshot.path)) if (!listed.has(node.path)) this.remove(node.path);
  }

  private staticChildren(path: string): readonly TreeNode[] {
    return this.built!.supervisors.get(path)?.children ?? [];
  }

  private resetMembers(path: string): void {
    const { records, added } = this.built!;
    const declared = this.staticChildren(path);
    const extra = added.get(path);
    if (extra && extra.size > 0) {
      for (const child of [...extra]) if (!declared.some((node) => node.path === child)) this.remove(child);
    }
    for (const child of declared) {
      const record = records.get(child.path);
      if (!record) records.set(child.path, newRecord());
      else if (record.added) {
        // A declared pool member that scale() removed and added again is declared again.
        added.get(path)?.delete(child.path);
        record.added = undefined;
      }
    }
  }

  private add(path: string, id: string | undefined, instance: number | undefined): void {
    const { records, added } = (this.built ??= this.build());
    const existing = records.get(path);
    if (existing) {
      existing.state = 'idle';
      return;
    }
    const name = path.slice(path.lastIndexOf('/') + 1);
    records.set(path, newRecord({ name, id, instance }));
    const parent = path.slice(0, path.lastIndexOf('/'));
    let set = added.get(parent);
    if (!set) added.set(parent, (set = new Set()));
    set.add(path);
  }

  private remove(path: string): void {
    const { records, added } = (this.built ??= this.build());
    const record = records.get(path);
    if (!record) return;
    records.delete(path);
    added.get(path.slice(0, path.lastIndexOf('/')))?.delete(path);
  }

  snapshot(now: number = Date.now()): NodeSnapshot {
    const { root } = (this.built ??= this.build());
    return this.node(root, now);
  }

  private build(): NonNullable<typeof this.built> {
    const root = typeof this.root === 'function' ? this.root() : this.root;
    const records = new Map<string, NodeRecord>();
    const supervisors = new Map<string, SupervisorNode>();
    for (const node of walkTree(root)) {
      records.set(node.path, newRecord());
      if (node.kind === 'supervisor') supervisors.set(node.path, node);
    }
    return { root, records, added: new Map(), supervisors };
  }

  /** A node that ended takes its subtree with it, even where the subtree's own events were lost. */
  private settleDescendants(event: ProcessEvent): void {
    if (event.kind !== 'supervisor') return;
    const prefix = `${event.path}/`;
    for (const [p, record] of this.records) {
      if (p.startsWith(prefix) && !DOWN.has(record.state)) record.state = 'stopped';
    }
  }

  private node(node: TreeNode, now: number): NodeSnapshot {
    return this.entry(node.path, node.kind, node.name, this.records.get(node.path)!, node, now);
  }

  private entry(path: string, kind: 'worker' | 'supervisor', name: string, r: NodeRecord, node: TreeNode | undefined, now: number): NodeSnapshot {
    const running = r.state === 'running' && r.startedAt !== undefined;
    const poolInstance = node?.kind === 'worker' ? node.instance : undefined;
    return {
      name,
      path,
      kind,
      state: r.state,
      restarts: r.restarts,
      ...(r.lastError ? { lastError: r.lastError } : {}),
      ...(r.startedAt !== undefined ? { startedAt: r.startedAt } : {}),
      ...(running ? { uptimeMs: Math.max(0, now - r.startedAt!) } : {}),
      ...(r.pid !== undefined ? { pid: r.pid } : {}),
      ...(r.added?.id !== undefined ? { id: r.added.id } : {}),
      ...(r.added?.instance !== undefined ? { instance: r.added.instance } : poolInstance !== undefined && !node?.placement ? { instance: poolInstance } : {}),
      ...(node?.placement ? { placement: placementOf(node.placement) } : {}),
      ...(r.lease ? { lease: { ...r.lease } } : {}),
      ...(node?.kind === 'supervisor'
        ? {
            isolation: node.isolation,
            strategy: node.strategy,
            children: this.childrenOf(node, now),
          }
        : {}),
    };
  }

  /** The static children still there (scale may have removed pool members), then those added at run time. */
  private childrenOf(node: SupervisorNode, now: number): NodeSnapshot[] {
    const children: NodeSnapshot[] = [];
    for (const child of node.children) {
      const r = this.records.get(child.path);
      if (r && !r.added) children.push(this.node(child, now));
    }
    for (const path of this.built!.added.get(node.path) ?? []) {
      const r = this.records.get(path)!;
      children.push(this.entry(path, 'worker', r.added!.name, r, undefined, now));
    }
    return children;
  }
}
