import type { LoggerService } from '@nestjs/common';
import type { WorkerNode } from '../tree/tree.types.js';
import { CallDeadlines } from './call.deadlines.js';
import { Mailbox } from './mailbox.js';
import { pickInstance, type PartitionKey } from './partition.js';
import { systemClock, type Clock } from './timers.js';

/** The members' mailboxes of one pool, by instance, and where the next pick without a key starts. */
interface PoolBoxes {
  readonly members: Mailbox[];
  cursor: number;
}

/**
 * The mailboxes of the callable workers of one process, by path, and the one timer of their
 * deadlines. A mailbox outlives its worker's restarts and its supervisor's, so a call can wait
 * through them; it is refused only once the worker is stopped for good or removed. Pool members
 * are also listed under their pool's path, for routing by key or load.
 */
export class Mailboxes {
  private readonly byPath = new Map<string, Mailbox>();
  private readonly pools = new Map<string, PoolBoxes>();
  /** Workers of this process without `handle()` that are not in the static tree (dynamic children, added pool members). */
  private readonly uncallable = new Set<string>();
  private readonly deadlines: CallDeadlines;
  /** The path looked up last and its mailbox: a worker called again and again is found without a hash lookup. */
  private lastPath?: string = undefined;
  private lastMailbox?: Mailbox = undefined;

  constructor(
    private readonly logger: LoggerService | undefined,
    private readonly clock: Clock = systemClock,
  ) {
    this.deadlines = new CallDeadlines(clock);
  }

  /** The mailbox of `node`, made at its first start. */
  for(node: WorkerNode): Mailbox {
    let mailbox = this.byPath.get(node.path);
    if (!mailbox) {
      mailbox = new Mailbox(node.path, node.mailbox, this.deadlines, this.logger);
      this.byPath.set(node.path, mailbox);
      if (node.pool !== undefined && node.instance !== undefined) {
        let pool = this.pools.get(node.pool);
        if (!pool) {
          pool = { members: [], cursor: 0 };
          this.pools.set(node.pool, pool);
        }
        pool.members[node.instance] = mailbox;
      }
    }
    return mailbox;
  }

  /** Notes a worker of this process that cannot be called, so a call to it says so rather than "unknown". */
  noteUncallable(path: string): void {
    this.uncallable.add(path);
  }

  isUncallable(path: string): boolean {
    return this.uncallable.has(path);
  }

  get(path: string): Mailbox | undefined {
    if (path === this.lastPath) return this.lastMailbox;
    const mailbox = this.byPath.get(path);
    if (mailbox) {
      this.lastPath = path;
      this.lastMailbox = mailbox;
    }
    return mailbox;
  }

  /**
   * The member of the pool at `path` that takes a message: by `key` (hash mod size), else the
   * least busy. Undefined when this process runs no member of such a pool.
   */
  route(path: string, key: PartitionKey | undefined): Mailbox | undefined {
    const pool = this.pools.get(path);
    if (!pool || pool.members.length === 0) return undefined;
    const loads = pool.members.map((m) => m.load);
    const pick = pickInstance(loads, key, pool.cursor);
    pool.cursor = pick.cursor;
    return pool.members[pick.instance];
  }

  /** Forgets a worker removed from the tree (a deleted dynamic child, a pool member scaled away), refusing what it held. */
  delete(path: string): void {
    this.uncallable.delete(path);
    const mailbox = this.byPath.get(path);
    if (!mailbox) return;
    mailbox.close();
    this.byPath.delete(path);
    if (path === this.lastPath) this.lastPath = this.lastMailbox = undefined;
    for (const [poolPath, pool] of this.pools) {
      const at = pool.members.indexOf(mailbox);
      if (at < 0) continue;
      // Members are removed highest first (scale()), so the list stays dense.
      pool.members.splice(at, 1);
      if (pool.members.length === 0) this.pools.delete(poolPath);
    }
  }

  /** The tree stopped: every call still waiting is refused, and the timer cleared. */
  close(): void {
    for (const mailbox of this.byPath.values()) mailbox.close();
    this.deadlines.dispose();
  }
}
