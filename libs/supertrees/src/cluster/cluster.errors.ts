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
 * A call or cast to a placed node that no replica can take now: nobody holds its lease (it is
 * between owners, or Redis is unreachable), or the holder did not answer.
 */
export class ClusterNoOwnerError extends Error {
  constructor(
    /** The unit (the placed node's static path). */
    readonly unit: string,
    /** The partition, for a partitioned node. */
    readonly partition: number | undefined,
    why: string,
  ) {
    super(CLUSTER_MESSAGES.noOwner(unit, partition, why));
    this.name = new.target.name;
  }
}

/** A call or cast that cannot be routed as asked: a key to a node that is not partitioned, or no key to one that is. */
export class ClusterRoutingError extends Error {
  constructor(
    /** The path called. */
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
