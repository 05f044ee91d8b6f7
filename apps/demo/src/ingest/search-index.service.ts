import { Injectable } from '@nestjs/common';
import type { FeedItem } from './feed.service.js';

/** An in-memory index the poller feeds and the indexer drains. */
@Injectable()
export class SearchIndex {
  private readonly pending: FeedItem[] = [];
  indexed = 0;

  enqueue(items: FeedItem[]): void {
    this.pending.push(...items);
  }

  drain(): FeedItem[] {
    return this.pending.splice(0, this.pending.length);
  }
}
