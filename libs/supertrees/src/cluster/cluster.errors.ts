import { CallError } from '../errors/call.errors.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';

/** A cluster option or unit declaration that cannot work. Thrown before anything talks to Redis. */
export class ClusterConfigError extends Error {
  constructor(
    message: string,
    /** The option (`leaseTtlMs`, `namespace`, ...) or unit (`units[2]`) at fault. */
    readonly option: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Redis did not answer, refused, or could not be reached when it had to be. */
export class ClusterRedisError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A value read from Redis is not what this library writes there: it is reported, never used or run. */
export class ClusterDataError extends Error {
  constructor(
    readonly what: string,
    readonly detail: string,
  ) {
    super(CLUSTER_MESSAGES.garbage(what, detail));
    this.name = new.target.name;
  }
}

/**
 * Why a routed call or cast found nobody to take it: `no-holder` (nobody holds the unit's lease now),
 * `holder-gone` (the holder in Redis has no live router: PUBLISH reached no one, twice; or, on a
 * direct channel, the connection broke while the request waited for its answer), `not-owner` (the
 * member asked answered that it does not hold the unit, twice). Nothing was delivered, unless
 * `maybeDelivered` says the request went before its connection broke: then it may have run.
 */
export class ClusterNoOwnerError extends CallError {
  constructor(
    /** The unit's lease id: `name` or `name#partition`. */
    readonly unit: string,
    /** The partition, for a partitioned unit. */
    readonly partition: number | undefined,
    readonly why: 'no-holder' | 'holder-gone' | 'not-owner',
    /** True when the request reached the holder's connection before it broke (direct channel): it may have run, and it was not sent again. */
    readonly maybeDelivered = false,
  ) {
    super(CLUSTER_MESSAGES.noOwner(unit, why, maybeDelivered), unit.replace(/#\d+$/, ''));
    this.name = 'ClusterNoOwnerError';
  }
}

/**
 * A call that cannot be routed as asked: a `key` given for an unplaced or singleton node
 * (`key-unpartitioned`), none given for a partitioned one (`no-key`), or a key that is not a string
 * or finite number (`bad-key`). Thrown before anything is sent.
 */
export class ClusterRoutingError extends CallError {
  constructor(
    path: string,
    readonly problem: 'key-unpartitioned' | 'no-key' | 'bad-key',
  ) {
    super(CLUSTER_MESSAGES.routing(path, problem), path);
    this.name = 'ClusterRoutingError';
  }
}
