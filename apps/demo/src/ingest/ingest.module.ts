import { Module } from '@nestjs/common';
import { FeedPoller } from './feed-poller.worker.js';
import { FeedService } from './feed.service.js';
import { Indexer } from './indexer.worker.js';
import { IngestSupervisor } from './ingest.supervisor.js';
import { SearchIndex } from './search-index.service.js';

@Module({ providers: [FeedService, SearchIndex, FeedPoller, Indexer, IngestSupervisor] })
export class IngestModule {}
