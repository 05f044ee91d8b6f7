/** The demo's knobs, from the environment, with defaults that show restarts and backoff within seconds. */
export const demoConfig = {
  port: Number(process.env.PORT ?? 3000),
  /** Chance that one poll of the feed fails (the feed poller polls every 300 ms). */
  feedFailureRate: Number(process.env.DEMO_FEED_FAILURE_RATE ?? 0.15),
  /** Chance that one webhook delivery fails. */
  webhookFailureRate: Number(process.env.DEMO_WEBHOOK_FAILURE_RATE ?? 0.03),
  /** Print the event log and tree to the terminal. */
  terminalView: process.env.DEMO_QUIET !== '1',
  /**
   * Cluster mode (`npm run demo:cluster`): the Redis every replica shares; unset, the demo runs alone.
   * Short leases so that a failover shows within seconds.
   */
  cluster: process.env.SUPERTREES_CLUSTER_REDIS
    ? {
        redis: process.env.SUPERTREES_CLUSTER_REDIS,
        namespace: 'demo',
        ...(process.env.SUPERTREES_CLUSTER_MEMBER ? { memberId: process.env.SUPERTREES_CLUSTER_MEMBER } : {}),
        memberInfo: { port: Number(process.env.PORT ?? 3000), pid: process.pid },
        leaseTtlMs: 4_000,
        renewIntervalMs: 1_000,
        safetyMarginMs: 1_000,
      }
    : undefined,
};
