import { NodeUnavailableError, RequestTimeoutError, type NodeUnavailableCode } from '../errors/supervision-request.error.js';
import { decodeError } from '../errors/wire-error.js';
import { WIRE_ERRORS } from '../cluster/cluster.wire.js';
import type { ReplyMessage, RequestMessage } from './ipc.protocol.js';

interface Pending {
  readonly op: string;
  readonly path: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The requests sent down one IPC channel that wait for their reply, by correlation id. Each
 * settles exactly once: by its reply, its timeout, or `close()`; a reply that comes after that
 * (late, or duplicated) finds no entry and is dropped.
 */
export class PendingRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed?: { readonly code: NodeUnavailableCode; readonly reason: string };

  /** `send` returns false or throws when the message cannot go (channel closed, not serialisable). */
  constructor(private readonly send: (message: RequestMessage) => void) {}

  get size(): number {
    return this.pending.size;
  }

  request(op: string, path: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    if (this.closed !== undefined) return Promise.reject(new NodeUnavailableError(op, path, this.closed.code, this.closed.reason));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestTimeoutError(op, path, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { op, path, resolve, reject, timer });
      try {
        this.send({ t: 'request', id, op, path, payload, timeoutMs });
      } catch (error) {
        this.take(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Settles the request a reply answers; false when none waits for it (timed out or answered before). */
  settle(reply: ReplyMessage): boolean {
    const entry = this.take(reply.id);
    if (!entry) return false;
    if (reply.ok) entry.resolve(reply.value);
    else entry.reject(decodeError(reply.error, WIRE_ERRORS));
    return true;
  }

  /** Rejects every waiting request and every later one with NodeUnavailableError(`code`, `reason`). */
  close(code: NodeUnavailableCode, reason: string): void {
    this.closed ??= { code, reason };
    for (const id of [...this.pending.keys()]) {
      const entry = this.take(id)!;
      entry.reject(new NodeUnavailableError(entry.op, entry.path, code, reason));
    }
  }

  private take(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    return entry;
  }
}
