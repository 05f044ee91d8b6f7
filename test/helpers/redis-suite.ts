// Jest-only: the suite wrapper for tests that need redis-server. Kept apart from redis-server.ts, which
// scripts outside Jest (the cluster demo's launcher, the benchmarks) import too.
import { describe } from '@jest/globals';
import { INSTALL_HINT, redisAvailable } from './redis-server.js';

/**
 * `describe` for a suite that needs redis-server: with the binary, `describe`; without it, `describe.skip`
 * after one line that says how to install it; with CI set and no binary, throws (CI must not skip).
 */
export function redisDescribe(): typeof describe | typeof describe.skip {
  if (redisAvailable()) return describe;
  console.log(INSTALL_HINT);
  return describe.skip;
}
