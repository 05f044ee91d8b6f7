import type { Isolation, SupervisionStrategy } from '../interfaces/options.interface.js';
import { walkTree, type SupervisorNode, type TreeNode } from '../tree/tree.types.js';
import type { ErrorInfo, NodeKind, ProcessEvent } from './supervision.events.js';

/** Where a node is in its life (as its supervisor sees it, and in the snapshot). */
export type NodeState = 'idle' | 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'exited' | 'failed';

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
  readonly children?: readonly NodeSnapshot[];
}

interface NodeRecord {
  state: NodeState;
  restarts: number;
  lastError?: ErrorInfo;
  startedAt?: number;
  pid?: number;
}

const DOWN: ReadonlySet<NodeState> = new Set(['idle', 'stopped', 'exited', 'failed']);

/**
 * The state of every node, folded from the event stream alone: the same events that cross
 * process boundaries build the view of the whole tree, so the snapshot and the events never
 * disagree.
 */
export class SnapshotStore {
  private built?: { readonly root: SupervisorNode; readonly records: Map<string, NodeRecord> };

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
    const record = this.records.get(event.path);
    if (!record) return;
    switch (event.type) {
      case 'starting':
        record.state = 'starting';
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
        record.state = 'stopped';
        this.settleDescendants(event);
        break;
      case 'events-dropped':
      case 'protocol-error':
        break;
    }
  }

  /**
   * Takes a process's own account of its subtree, sent after it had to drop events, as the truth
   * for the nodes it names.
   */
  merge(snapshot: NodeSnapshot): void {
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

  snapshot(now: number = Date.now()): NodeSnapshot {
    const { root } = (this.built ??= this.build());
    return this.node(root, now);
  }

  private build(): NonNullable<typeof this.built> {
    const root = typeof this.root === 'function' ? this.root() : this.root;
    const records = new Map<string, NodeRecord>();
    for (const node of walkTree(root)) records.set(node.path, { state: 'idle', restarts: 0 });
    return { root, records };
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
    const r = this.records.get(node.path)!;
    const running = r.state === 'running' && r.startedAt !== undefined;
    return {
      name: node.name,
      path: node.path,
      kind: node.kind,
      state: r.state,
      restarts: r.restarts,
      ...(r.lastError ? { lastError: r.lastError } : {}),
      ...(r.startedAt !== undefined ? { startedAt: r.startedAt } : {}),
      ...(running ? { uptimeMs: Math.max(0, now - r.startedAt!) } : {}),
      ...(r.pid !== undefined ? { pid: r.pid } : {}),
      ...(node.kind === 'supervisor'
        ? {
            isolation: node.isolation,
            strategy: node.strategy,
            children: node.children.map((child) => this.node(child, now)),
          }
        : {}),
    };
  }
}
