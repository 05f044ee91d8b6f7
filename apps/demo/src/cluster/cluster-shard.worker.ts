import { Worker, type SupervisedWorker, type WorkerContext } from '#supertrees';
import { sleep } from '../ingest/feed.service.js';

export const SHARD_PARTITIONS = 16;

/** What a routed call to a shard answers: who handled it, for which partition, under which token. */
export interface ShardReply {
  readonly orderId: string;
  readonly partition: number | undefined;
  readonly fencingToken: number | undefined;
  readonly member: string;
  readonly pid: number;
}

/**
 * Cluster mode only: 16 partitions spread over the replicas; each partition runs on one replica at a
 * time. `POST /cluster/orders/:key` calls the partition that owns the key, wherever it runs.
 */
@Worker({ placement: { partitions: SHARD_PARTITIONS }, shutdownTimeoutMs: 1_000 })
export class ClusterShard implements SupervisedWorker {
  async run(ctx: WorkerContext): Promise<void> {
    while (!ctx.signal.aborted) await sleep(1_000, ctx.signal);
  }

  handle(message: { orderId: string }, ctx: WorkerContext): ShardReply {
    return {
      orderId: message.orderId,
      partition: ctx.partition,
      fencingToken: ctx.fencingToken,
      member: process.env.SUPERTREES_CLUSTER_MEMBER ?? '',
      pid: process.pid,
    };
  }
}
