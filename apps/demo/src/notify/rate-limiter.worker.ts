import { Worker, type SupervisedWorker, type WorkerContext } from '#supertrees';
import { ChaosService } from '../chaos/chaos.service.js';
import { sleep } from '../ingest/feed.service.js';
import { TokenBucket } from './token-bucket.service.js';

/** Refills the token bucket ten times a second. Its state is the sender's precondition. */
@Worker()
export class RateLimiter implements SupervisedWorker {
  constructor(
    private readonly bucket: TokenBucket,
    private readonly chaos: ChaosService,
  ) {}

  init(): void {
    this.bucket.tokens = 5;
    this.bucket.epoch += 1;
    this.bucket.open = true;
  }

  async run(ctx: WorkerContext): Promise<void> {
    try {
      while (!ctx.signal.aborted) {
        this.chaos.crashIfRequested(ctx.path);
        this.bucket.tokens = Math.min(10, this.bucket.tokens + 1);
        await sleep(100, ctx.signal);
      }
    } finally {
      this.bucket.open = false;
    }
  }
}
