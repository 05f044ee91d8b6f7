import type { LoggerService } from '@nestjs/common';
import type { WorkerNode } from '../tree/tree.types.js';
import { CallDeadlines } from './call.deadlines.js';
import { Mailbox } from './mailbox.js';
import { systemClock, type Clock } from './timers.js';

/**
 * The mailboxes of the callable workers of one process, by path, and the one timer of their
 * deadlines. A mailbox outlives its worker's restarts and its supervisor's, so a call can wait
 * through them; it is refused only once the worker is stopped for good.
 */
export class Mailboxes {
  private readonly byPath = new Map<string, Mailbox>();
  private readonly deadlines: CallDeadlines;

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
      mailbox = new Mailbox(node.path, node.mailbox, this.deadlines, this.clock, this.logger);
      this.byPath.set(node.path, mailbox);
    }
    return mailbox;
  }

  get(path: string): Mailbox | undefined {
    return this.byPath.get(path);
  }

  /** Forgets a worker removed from the tree (a deleted dynamic child), refusing what it held. */
  delete(path: string): void {
    this.byPath.get(path)?.close();
    this.byPath.delete(path);
  }

  /** The tree stopped: every call still waiting is refused, and the timer cleared. */
  close(): void {
    for (const mailbox of this.byPath.values()) mailbox.close();
    this.deadlines.dispose();
  }
}
