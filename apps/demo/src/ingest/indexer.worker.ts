import { Worker, type SupervisedWorker, type WorkerContext } from '#supertrees';
import { ChaosService } from '../chaos/chaos.service.js';
import { sleep } from './feed.service.js';
import { SearchIndex } from './search-index.service.js';

/** Moves polled items into the index. Steady unless crashed through the API. */
@Worker()
export class Indexer implements SupervisedWorker {
  constructor(
    private readonly index: SearchIndex,
    private readonly chaos: ChaosService,
  ) {}

  async run(ctx: WorkerContext): Promise<void> {
    while (!ctx.signal.aborted) {
      this.chaos.crashIfRequested(ctx.path);
      this.index.indexed += this.index.drain().length;
      await sleep(250, ctx.signal);
    }
  }
}
