import { Worker, type SupervisedWorker, type WorkerContext } from '#supertrees';
import { ChaosService } from '../chaos/chaos.service.js';
import { FeedService, sleep } from './feed.service.js';
import { SearchIndex } from './search-index.service.js';

/** Polls the feed; a failed poll crashes it, and its supervisor restarts it with backoff. */
@Worker({ restart: 'always', backoff: { minDelayMs: 200, maxDelayMs: 5_000, multiplier: 2 } })
export class FeedPoller implements SupervisedWorker {
  private polls = 0;

  constructor(
    private readonly feed: FeedService,
    private readonly index: SearchIndex,
    private readonly chaos: ChaosService,
  ) {}

  init(): void {
    this.polls = 0;
  }

  async run(ctx: WorkerContext): Promise<void> {
    while (!ctx.signal.aborted) {
      this.chaos.crashIfRequested(ctx.path);
      this.index.enqueue(await this.feed.fetch(ctx.signal));
      this.polls += 1;
      await sleep(100, ctx.signal);
    }
  }
}
