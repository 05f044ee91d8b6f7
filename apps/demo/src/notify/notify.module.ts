import { Module } from '@nestjs/common';
import { NotifySupervisor } from './notify.supervisor.js';
import { RateLimiter } from './rate-limiter.worker.js';
import { TokenBucket } from './token-bucket.service.js';
import { WebhookSender } from './webhook-sender.worker.js';

@Module({ providers: [TokenBucket, RateLimiter, WebhookSender, NotifySupervisor] })
export class NotifyModule {}
