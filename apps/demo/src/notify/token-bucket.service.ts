import { Injectable } from '@nestjs/common';

/** Shared by the rate limiter (which fills it) and the webhook sender (which spends it). */
@Injectable()
export class TokenBucket {
  tokens = 0;
  /** Bumped each time the limiter (re)starts: a sender holding an older epoch is out of step. */
  epoch = 0;
  open = false;
}
