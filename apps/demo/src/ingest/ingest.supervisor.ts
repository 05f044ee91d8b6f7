import { Supervisor } from '#supertrees';
import { FeedPoller } from './feed-poller.worker.js';
import { Indexer } from './indexer.worker.js';

/** Ingestion in a process of its own: a crash or a leak here cannot touch the HTTP server. */
@Supervisor({ children: [FeedPoller, Indexer], strategy: 'one-for-one', maxRestarts: 20, withinMs: 10_000 })
export class IngestSupervisor {}
