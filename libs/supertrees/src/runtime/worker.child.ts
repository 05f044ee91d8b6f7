import { Logger, type LoggerService } from '@nestjs/common';
import type { StopReason } from '../events/supervision.events.js';
import type { SupervisedWorker, WorkerContext } from '../interfaces/worker.interface.js';
import { MESSAGES } from '../supervision.messages.js';
import type { WorkerNode } from '../tree/tree.types.js';
import { settlesWithin, type ChildExit, type SupervisedChild } from './child.js';

/** The reason a worker's signal is aborted with when its supervisor stops it. */
export class WorkerStopRequest extends Error {
  /** `ended` when the run ended by itself; otherwise why its supervisor stopped it. */
  constructor(readonly reason: StopReason | 'ended') {
    super(reason === 'ended' ? 'the run ended' : `stop requested (${reason})`);
    this.name = 'WorkerStopRequest';
  }
}

const RUN_ENDED = new WorkerStopRequest('ended');

/** A `@Worker()` instance run as an async task in this process. */
export class WorkerChild implements SupervisedChild {
  private controller?: AbortController;
  /** The current `init()` or `run()`, settled either way: what a stop waits for. */
  private current: Promise<unknown> = Promise.resolve();
  private readonly workerLogger: LoggerService;

  constructor(
    private readonly node: WorkerNode,
    private readonly instance: SupervisedWorker,
    private readonly logger: LoggerService | undefined,
  ) {
    this.workerLogger = new Logger(node.name);
  }

  async start(attempt: number, onExit: (exit: ChildExit) => void): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const ctx: WorkerContext = { signal: controller.signal, attempt, path: this.node.path, logger: this.workerLogger };

    const init = Promise.resolve().then(() => this.instance.init?.(ctx));
    this.current = init;
    const stopped = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    stopped.catch(() => undefined);
    await Promise.race([init, stopped]);

    const run = Promise.resolve().then(() => this.instance.run(ctx));
    this.current = run;
    const ended = (exit: ChildExit) => {
      if (controller.signal.aborted) return;
      // Whatever the ended run left tied to its signal is told to stop too. One shared reason:
      // a new Error per restart costs a stack capture on the hottest path.
      controller.abort(RUN_ENDED);
      onExit(exit);
    };
    run.then(
      () => ended({ kind: 'normal' }),
      (error: unknown) => ended({ kind: 'failed', error, phase: 'run' }),
    );
  }

  async stop(reason: StopReason): Promise<boolean> {
    this.controller?.abort(new WorkerStopRequest(reason));
    const timedOut = await settlesWithin(this.current, this.node.shutdownTimeoutMs);
    if (timedOut) this.logger?.warn(MESSAGES.abandoned(this.node.path, this.node.shutdownTimeoutMs));
    return timedOut;
  }
}
