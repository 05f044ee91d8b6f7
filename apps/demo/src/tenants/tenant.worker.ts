import { Worker, type SupervisedWorker, type WorkerContext } from '#supertrees';
import { ChaosService } from '../chaos/chaos.service.js';
import { sleep } from '../ingest/feed.service.js';

/** A job sent to a tenant's worker with `call` (POST /tenants/:id/jobs): plain data. */
export interface TenantJob {
  /** What to do; any text. */
  job: string;
  /** Simulated work, in ms (0 to 10 000). Default 50. */
  workMs?: number;
}

/** The reply to a job. */
export interface TenantJobReply {
  tenant: string;
  job: string;
  /** Jobs this worker handled since it started; 1 for the first. */
  handled: number;
  attempt: number;
  pid: number;
}

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
@Worker({ dynamic: true, backoff: { minDelayMs: 200, maxDelayMs: 5_000 }, mailbox: { capacity: 50 } })
export class TenantWorker implements SupervisedWorker {
  processed = 0;
  private handled = 0;

  constructor(private readonly chaos: ChaosService) {}

  init(): void {
    this.handled = 0;
  }

  /** A job sent with `call`: one at a time (the mailbox's default), in order. A bad job is the caller's 422. */
  async handle(message: unknown, ctx: WorkerContext): Promise<TenantJobReply> {
    const { job, workMs = 50 } = (message ?? {}) as Partial<TenantJob>;
    if (typeof job !== 'string' || job === '') throw new TypeError('a job needs "job", a non-empty string');
    if (typeof workMs !== 'number' || !(workMs >= 0 && workMs <= 10_000)) throw new RangeError('"workMs" must be 0 to 10000');
    await sleep(workMs, ctx.signal);
    this.handled += 1;
    return { tenant: ctx.id!, job, handled: this.handled, attempt: ctx.attempt, pid: process.pid };
  }

  async run(ctx: WorkerContext): Promise<void> {
    const { rate = 2 } = (ctx.args ?? {}) as TenantArgs;
    while (!ctx.signal.aborted) {
      this.chaos.crashIfRequested(ctx.path);
      this.processed += 1;
      await sleep(1_000 / rate, ctx.signal);
    }
  }
}
