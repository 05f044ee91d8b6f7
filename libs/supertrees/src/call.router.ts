import { Injectable, type Type } from '@nestjs/common';
import { SupervisionTree } from './discovery/supervision.tree.js';
import { NotCallableError } from './errors/call.errors.js';
import { InvalidOptionError } from './errors/supervision-config.error.js';
import { UnknownNodeError } from './errors/supervision-runtime.error.js';
import type { CallOptions } from './interfaces/options.interface.js';
import { ProcessHosting } from './process/process.hosting.js';
import type { Mailbox } from './runtime/mailbox.js';
import { DEFAULTS } from './shared/supervision.defaults.js';
import { walkTree, type TreeNode, type WorkerNode } from './tree/tree.types.js';

/**
 * Takes a call or cast to the worker it names: to its mailbox when the worker runs in this process.
 * The lookup of a path already called is one map read.
 */
@Injectable()
export class CallRouter {
  private readonly pathOfClass = new Map<Function, string>();

  constructor(
    private readonly tree: SupervisionTree,
    private readonly hosting: ProcessHosting,
  ) {}

  call(worker: Type<unknown> | string, message: unknown, options?: CallOptions): Promise<unknown> {
    let timeoutMs: number;
    let mailbox: Mailbox;
    try {
      timeoutMs = callTimeout('call', options);
      mailbox = this.mailboxOf(worker);
    } catch (error) {
      return Promise.reject(error);
    }
    return mailbox.call(message, timeoutMs);
  }

  cast(worker: Type<unknown> | string, message: unknown, options?: CallOptions): Promise<void> {
    try {
      this.mailboxOf(worker).cast(message, callTimeout('cast', options));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private mailboxOf(worker: Type<unknown> | string): Mailbox {
    const path = typeof worker === 'string' ? worker : this.classPath(worker);
    return this.hosting.mailboxes.get(path) ?? this.hosting.mailboxes.for(this.callableNode(path));
  }

  private classPath(type: Type<unknown>): string {
    let path = this.pathOfClass.get(type);
    if (path === undefined) {
      for (const node of walkTree(this.tree.root)) if (node.type === type) path = node.path;
      if (path === undefined) throw new UnknownNodeError(type.name);
      this.pathOfClass.set(type, path);
    }
    return path;
  }

  /** A callable worker not called nor started yet in this process: its mailbox is made now. */
  private callableNode(path: string): WorkerNode {
    const node = find(this.tree.root, path);
    if (!node) throw new UnknownNodeError(path);
    if (node.kind === 'supervisor') throw new NotCallableError(path, 'supervisor');
    if (!node.callable) throw new NotCallableError(path, 'no-handle');
    return node;
  }
}

function find(root: TreeNode, path: string): TreeNode | undefined {
  for (const node of walkTree(root)) if (node.path === path) return node;
  return undefined;
}

function callTimeout(method: 'call' | 'cast', options: CallOptions | undefined): number {
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs === undefined) return DEFAULTS.callTimeoutMs;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new InvalidOptionError(`SupervisionService.${method}`, 'timeoutMs', `must be a positive finite number of ms (got ${String(timeoutMs)})`);
  }
  return timeoutMs;
}
