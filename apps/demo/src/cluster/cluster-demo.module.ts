import { Module } from '@nestjs/common';
import { ClusterController } from './cluster.controller.js';
import { ClusterReconciler } from './cluster-reconciler.worker.js';
import { ClusterShard } from './cluster-shard.worker.js';

/** Imported only in cluster mode (SUPERTREES_CLUSTER_REDIS set): placed workers need forRoot({ cluster }). */
@Module({ controllers: [ClusterController], providers: [ClusterReconciler, ClusterShard] })
export class ClusterDemoModule {}
