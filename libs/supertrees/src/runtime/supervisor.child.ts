import { toErrorInfo, type StopReason } from '../events/supervision.events.js';
import type { SupervisorNode } from '../tree/tree.types.js';
import { MESSAGES } from '../supervision.messages.js';
import { settlesWithin, type ChildExit, type SupervisedChild } from './child.js';
import { SupervisorRuntime, type RuntimeHost } from './supervisor.runtime.js';

/**
 * A supervisor with isolation `'none'`, run inside its parent's process. Each start builds a
 * fresh runtime, as an OTP supervisor restarts with fresh children and a fresh intensity count.
 */
export class InProcessSupervisorChild implements SupervisedChild {
  private runtime?: SupervisorRuntime;

  constructor(
    private readonly node: SupervisorNode,
    private readonly host: RuntimeHost,
  ) {}

  async start(_attempt: number, onExit: (exit: ChildExit) => void): Promise<void> {
    const runtime = new SupervisorRuntime(this.node, this.host);
    this.runtime = runtime;
    runtime.onGiveUp = (error) => {
      this.host.emit({ type: 'escalated', path: this.node.path, kind: 'supervisor', error: toErrorInfo(error) });
      onExit({ kind: 'failed', error, phase: 'run' });
    };
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
