import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Metric } from 'prom-client';
import type { Subscription } from 'rxjs';
import { SupervisionService } from '../../supervision.service.js';
import { countEvents, NODE_STATES, nodeStates, processReadings, type ProcessMetric } from '../tree.metrics.js';
import {
  resolvePrometheusOptions,
  SUPERVISION_PROMETHEUS_OPTIONS,
  type ResolvedPrometheusOptions,
  type SupervisionPrometheusOptions,
} from './supervision-prometheus.options.js';

const PROCESS_GAUGES: Record<ProcessMetric, { name: string; help: string }> = {
  rss: { name: 'process_resident_memory_bytes', help: 'Resident memory of each supervisor process, from its last heartbeat' },
  heapUsed: { name: 'process_heap_used_bytes', help: 'V8 heap used by each supervisor process, from its last heartbeat' },
  heapTotal: { name: 'process_heap_total_bytes', help: 'V8 heap size of each supervisor process, from its last heartbeat' },
  eventLoopDelayMean: { name: 'process_event_loop_delay_mean_seconds', help: 'Mean event-loop delay of each supervisor process between its last two heartbeats' },
  eventLoopDelayMax: { name: 'process_event_loop_delay_max_seconds', help: 'Longest event-loop delay of each supervisor process between its last two heartbeats' },
  missedHeartbeats: { name: 'process_missed_heartbeats', help: 'Heartbeat intervals each supervisor process has been silent for' },
};

/**
 * The tree's metrics in a prom-client registry: counters and the backoff histogram fed by the
 * event stream, node states and supervisor processes read from the snapshot and the heartbeats at
 * each scrape. Registered at `app.init()`, removed from the registry when the app closes.
 */
@Injectable()
export class SupervisionPrometheusMetrics implements OnModuleInit, OnApplicationShutdown {
  private options?: ResolvedPrometheusOptions;
  private readonly metrics: Metric[] = [];
  private subscription?: Subscription;

  constructor(
    private readonly supervision: SupervisionService,
    @Inject(SUPERVISION_PROMETHEUS_OPTIONS) private readonly rawOptions: SupervisionPrometheusOptions,
  ) {}

  onModuleInit(): void {
    // Checked here, so bad options fail app.init() before the tree starts.
    this.options = resolvePrometheusOptions(this.rawOptions);
    const { prefix, registry, backoffBuckets } = this.options;
    const registers = [registry];
    const supervision = this.supervision;
    const restarts = new Counter({ name: `${prefix}restarts_total`, help: 'Restarts of each node of the supervision tree', labelNames: ['path'], registers });
    const backoff = new Histogram({
      name: `${prefix}backoff_delay_seconds`,
      help: 'Delays before restarts (restart-scheduled events), per node',
      labelNames: ['path'],
      buckets: backoffBuckets,
      registers,
    });
    const dropped = new Counter({ name: `${prefix}events_dropped_total`, help: 'Events a supervisor process dropped while its parent was slow, per supervisor', labelNames: ['path'], registers });
    const protocolErrors = new Counter({ name: `${prefix}protocol_errors_total`, help: 'IPC messages rejected from each supervisor process', labelNames: ['path'], registers });
    const states = new Gauge({
      name: `${prefix}node_state`,
      help: 'State of each node: 1 for its current state, 0 for the others',
      labelNames: ['path', 'state'],
      registers,
      collect() {
        this.reset();
        for (const [path, current] of nodeStates(supervision.snapshot())) {
          for (const state of NODE_STATES) this.set({ path, state }, state === current ? 1 : 0);
        }
      },
    });
    const leases = new Counter({
      name: `${prefix}lease_changes_total`,
      help: 'Cluster mode: leases of placed nodes acquired, lost and released by this replica',
      labelNames: ['path', 'change'],
      registers,
    });
    this.metrics.push(restarts, backoff, dropped, protocolErrors, leases, states);
    for (const [metric, { name, help }] of Object.entries(PROCESS_GAUGES) as [ProcessMetric, { name: string; help: string }][]) {
      this.metrics.push(
        new Gauge({
          name: `${prefix}${name}`,
          help,
          labelNames: ['path', 'pid'],
          registers,
          collect() {
            this.reset();
            for (const p of supervision.processes()) {
              for (const reading of processReadings(p)) if (reading.metric === metric) this.set({ path: p.path, pid: String(p.pid) }, reading.value);
            }
          },
        }),
      );
    }
    this.subscription = countEvents(supervision.events$, {
      restarted: (path) => restarts.inc({ path }),
      backoff: (path, seconds) => backoff.observe({ path }, seconds),
      eventsDropped: (path, count) => dropped.inc({ path }, count),
      protocolError: (path) => protocolErrors.inc({ path }),
      leaseChange: (path, change) => leases.inc({ path, change }),
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    for (const metric of this.metrics.splice(0)) this.options!.registry.removeSingleMetric((metric as unknown as { name: string }).name);
  }
}
