import { Injectable } from '@nestjs/common';
import { demoConfig } from '../demo.config.js';

export interface FeedItem {
  readonly id: number;
  readonly title: string;
}

/** A stand-in for a remote feed that times out now and then. */
@Injectable()
export class FeedService {
  private next = 1;

  async fetch(signal: AbortSignal): Promise<FeedItem[]> {
    await sleep(300, signal);
    if (Math.random() < demoConfig.feedFailureRate) throw new Error('feed request timed out (simulated)');
    const count = Math.floor(Math.random() * 3);
    return Array.from({ length: count }, () => ({ id: this.next, title: `item ${this.next++}` }));
  }
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
