import { Worker, type SupervisedWorker, type WorkerContext } from '#supertrees';
import { sleep } from '../ingest/feed.service.js';

/**
 * Cluster mode only: a singleton. Exactly one replica runs it; every 2 s it "reconciles", stamping
 * the write with its fencing token (a store that checks the token would refuse a stale owner), and
 * checks its lease before anything a store cannot fence.
 */
@Worker({ placement: 'singleton', shutdownTimeoutMs: 1_000 })
export class ClusterReconciler implements SupervisedWorker {
  /** Rounds done by this replica's current holding (for GET /cluster). */
  rounds = 0;

  async run(ctx: WorkerContext): Promise<void> {
    this.rounds = 0;
    ctx.logger.log(`holding the singleton with fencing token ${ctx.fencingToken}`);
    while (!ctx.signal.aborted) {
      if (!ctx.lease?.stillHolds()) return;
      this.rounds += 1;
      await sleep(2_000, ctx.signal);
    }
  }
}
