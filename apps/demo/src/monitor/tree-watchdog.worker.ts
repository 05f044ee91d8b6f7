import { SupervisionService, Worker, type NodeSnapshot, type SupervisedWorker, type WorkerContext } from '#supertrees';
import { sleep } from '../ingest/feed.service.js';

/**
 * An in-process worker at the root: every few seconds it reads the tree and logs how many
 * restarts happened since its last look.
 */
@Worker({ shutdownTimeoutMs: 1_000 })
export class TreeWatchdog implements SupervisedWorker {
  private lastTotal = 0;

  constructor(private readonly supervision: SupervisionService) {}

  async run(ctx: WorkerContext): Promise<void> {
    while (!ctx.signal.aborted) {
      await sleep(5_000, ctx.signal);
      if (ctx.signal.aborted) return;
      const total = countRestarts(this.supervision.snapshot());
      if (total !== this.lastTotal) ctx.logger.log(`${total - this.lastTotal} restarts in the last 5 s (${total} in all)`);
      this.lastTotal = total;
    }
  }
}

function countRestarts(node: NodeSnapshot): number {
  return node.restarts + (node.children ?? []).reduce((sum, child) => sum + countRestarts(child), 0);
}
