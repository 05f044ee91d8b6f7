import { toErrorInfo, type StopReason } from '../events/supervision.events.js';
import type { SupervisorNode } from '../tree/tree.types.js';
import type { ChildExit, SupervisedChild } from './child.js';
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

  async stop(reason: StopReason): Promise<boolean> {
    await this.runtime?.stop(reason);
    return false;
  }
}
