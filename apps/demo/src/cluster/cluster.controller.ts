import { BadGatewayException, Controller, Get, HttpCode, NotFoundException, Param, Post, ServiceUnavailableException } from '@nestjs/common';
import { SupervisionService } from '#supertrees';
import { ClusterNoOwnerError } from '#supertrees/cluster';
import type { ShardReply } from './cluster-shard.worker.js';
import { ClusterShard } from './cluster-shard.worker.js';

/**
 * The cluster as this replica sees it:
 *   curl -s localhost:3001/cluster                    members, every lease (holder, token, expiry), this replica's units
 *   curl -s -X POST localhost:3001/cluster/orders/o-17   a call routed to the partition that owns 'o-17'
 */
@Controller('cluster')
export class ClusterController {
  constructor(private readonly supervision: SupervisionService) {}

  private get cluster(): NonNullable<SupervisionService['cluster']> {
    const cluster = this.supervision.cluster;
    if (!cluster) throw new NotFoundException('cluster mode is off (set SUPERTREES_CLUSTER_REDIS)');
    return cluster;
  }

  @Get()
  async view(): Promise<unknown> {
    const cluster = this.cluster;
    const view = await cluster.view();
    return {
      member: cluster.memberId,
      at: new Date(view.at).toISOString(),
      members: view.members.map((m) => ({ id: m.id, info: m.info, expiresInMs: m.expiresAt - view.at })),
      leases: view.leases.map((l) => ({
        unit: l.unit,
        holder: l.holder,
        token: l.token,
        expiresInMs: l.expiresAt === null ? null : l.expiresAt - view.at,
      })),
      local: cluster.local().filter((u) => u.phase !== 'free'),
    };
  }

  @Post('orders/:key')
  @HttpCode(200)
  async order(@Param('key') key: string): Promise<ShardReply> {
    try {
      return (await this.supervision.call(ClusterShard, { orderId: key }, { key, timeoutMs: 5_000 })) as ShardReply;
    } catch (error) {
      if (error instanceof ClusterNoOwnerError) throw new ServiceUnavailableException(error.message);
      throw new BadGatewayException(error instanceof Error ? error.message : String(error));
    }
  }
}
