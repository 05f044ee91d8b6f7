import { Supervisor } from '#supertrees';
import { RateLimiter } from './rate-limiter.worker.js';
import { WebhookSender } from './webhook-sender.worker.js';

/** The sender depends on the limiter's state, so they live and die together: one-for-all. */
@Supervisor({ children: [RateLimiter, WebhookSender], strategy: 'one-for-all', maxRestarts: 10, withinMs: 10_000 })
export class NotifySupervisor {}
