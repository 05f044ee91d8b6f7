import type { StopReason } from '../events/supervision.events.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import type { SupervisorNode } from '../tree/tree.types.js';
import { DynamicSpecs } from './dynamic.children.js';
import type { ChildExit, SupervisedChild } from './supervised-child.js';
import { SupervisorRuntime, type RuntimeHost } from './supervisor.runtime.js';
import { settlesWithin } from './timers.js';

/**
 * A supervisor with isolation `'none'`, run inside its parent's process. Each start builds a
 * fresh runtime, as an OTP supervisor restarts with fresh children and a fresh intensity count.
 */
export class InProcessSupervisorChild implements SupervisedChild {
  private runtime?: SupervisorRuntime;
  /** A dynamic supervisor's children, kept here across its restarts (see `restoreChildren`). */
  private readonly specs?: DynamicSpecs;

  constructor(
    private readonly node: SupervisorNode,
    private readonly host: RuntimeHost,
  ) {
    if (node.dynamic) this.specs = new DynamicSpecs();
  }

  async start(_attempt: number, onExit: (exit: ChildExit) => void): Promise<void> {
    const runtime = new SupervisorRuntime(this.node, this.host, (error) => onExit({ kind: 'failed', error, phase: 'run' }), this.specs);
    this.runtime = runtime;
    await runtime.start();
  }

  /** Stops the subtree within this supervisor's shutdownTimeoutMs; past it, it is left stopping on its own. */
  async stop(reason: StopReason): Promise<boolean> {
    if (!this.runtime) return false;
    const timedOut = await settlesWithin(this.runtime.stop(reason), this.node.shutdownTimeoutMs);
    if (timedOut) this.host.logger?.warn(MESSAGES.abandoned(this.node.path, this.node.shutdownTimeoutMs));
    return timedOut;
  }
}
