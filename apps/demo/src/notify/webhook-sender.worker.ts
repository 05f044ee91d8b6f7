import { Worker, type SupervisedWorker, type WorkerContext } from '#supertrees';
import { ChaosService } from '../chaos/chaos.service.js';
import { demoConfig } from '../demo.config.js';
import { sleep } from '../ingest/feed.service.js';
import { TokenBucket } from './token-bucket.service.js';

/** Delivers webhooks, one token each. It cannot work with a limiter it did not start with. */
@Worker({ backoff: { minDelayMs: 300, maxDelayMs: 5_000 } })
export class WebhookSender implements SupervisedWorker {
  private epoch = 0;
  delivered = 0;

  constructor(
    private readonly bucket: TokenBucket,
    private readonly chaos: ChaosService,
  ) {}

  init(): void {
    this.epoch = this.bucket.epoch;
  }

  async run(ctx: WorkerContext): Promise<void> {
    while (!ctx.signal.aborted) {
      this.chaos.crashIfRequested(ctx.path);
      if (!this.bucket.open || this.bucket.epoch !== this.epoch) throw new Error('rate limiter restarted under the sender');
      if (this.bucket.tokens > 0) {
        this.bucket.tokens -= 1;
        if (Math.random() < demoConfig.webhookFailureRate) throw new Error('webhook endpoint answered 503 (simulated)');
        this.delivered += 1;
      }
      await sleep(150, ctx.signal);
    }
  }
}
