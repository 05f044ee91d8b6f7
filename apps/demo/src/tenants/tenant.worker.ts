import { Worker, type SupervisedWorker, type WorkerContext } from '#supertrees';
import { ChaosService } from '../chaos/chaos.service.js';
import { sleep } from '../ingest/feed.service.js';

/** What a tenant's worker is started with (`ctx.args`): plain data, so it can cross to the tenants' process. */
export interface TenantArgs {
  /** Simulated jobs the tenant's worker processes per second. Default 2. */
  rate?: number;
}

/**
 * One per tenant, started over HTTP (POST /tenants/:id): its own instance, with its dependencies
 * injected, in the tenants' supervisor process. It works through its tenant's (simulated) jobs
 * until it is stopped, and can be crashed through the API like any worker.
 */
@Worker({ dynamic: true, backoff: { minDelayMs: 200, maxDelayMs: 5_000 } })
export class TenantWorker implements SupervisedWorker {
  processed = 0;

  constructor(private readonly chaos: ChaosService) {}

  async run(ctx: WorkerContext): Promise<void> {
    const { rate = 2 } = (ctx.args ?? {}) as TenantArgs;
    while (!ctx.signal.aborted) {
      this.chaos.crashIfRequested(ctx.path);
      this.processed += 1;
      await sleep(1_000 / rate, ctx.signal);
    }
  }
}
