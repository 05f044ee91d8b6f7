import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { BatchObservableCallback, ObservableGauge } from '@opentelemetry/api';
import type { Subscription } from 'rxjs';
import { SupervisionService } from '../../supervision.service.js';
import { countEvents, NODE_STATES, nodeStates, processReadings, type ProcessMetric } from '../tree.metrics.js';
import {
  resolveOpenTelemetryOptions,
  SUPERVISION_OPENTELEMETRY_OPTIONS,
  type ResolvedOpenTelemetryOptions,
  type SupervisionOpenTelemetryOptions,
} from './supervision-opentelemetry.options.js';

const PROCESS_GAUGES: Record<ProcessMetric, { name: string; description: string; unit: string }> = {
  rss: { name: 'process.memory.rss', description: 'Resident memory of each supervisor process, from its last heartbeat', unit: 'By' },
  heapUsed: { name: 'process.heap.used', description: 'V8 heap used by each supervisor process, from its last heartbeat', unit: 'By' },
  heapTotal: { name: 'process.heap.total', description: 'V8 heap size of each supervisor process, from its last heartbeat', unit: 'By' },
  eventLoopDelayMean: { name: 'process.event_loop.delay.mean', description: 'Mean event-loop delay of each supervisor process between its last two heartbeats', unit: 's' },
  eventLoopDelayMax: { name: 'process.event_loop.delay.max', description: 'Longest event-loop delay of each supervisor process between its last two heartbeats', unit: 's' },
  missedHeartbeats: { name: 'process.missed_heartbeats', description: 'Heartbeat intervals each supervisor process has been silent for', unit: '{heartbeat}' },
};

/**
 * The tree's metrics through the OpenTelemetry metrics API: the same figures as the Prometheus
 * integration, as counters and a histogram fed by the event stream and observable gauges read at
 * each collection. Whatever MeterProvider the app set up exports them.
 */
@Injectable()
export class SupervisionOpenTelemetryMetrics implements OnModuleInit, OnApplicationShutdown {
  private options?: ResolvedOpenTelemetryOptions;
  private subscription?: Subscription;
  private observe?: { callback: BatchObservableCallback; gauges: ObservableGauge[] };

  constructor(
    private readonly supervision: SupervisionService,
    @Inject(SUPERVISION_OPENTELEMETRY_OPTIONS) private readonly rawOptions: SupervisionOpenTelemetryOptions,
  ) {}

  onModuleInit(): void {
    // Checked here, so bad options fail app.init() before the tree starts.
    this.options = resolveOpenTelemetryOptions(this.rawOptions);
    const { meter, prefix, backoffBuckets } = this.options;
    const supervision = this.supervision;
    const restarts = meter.createCounter(`${prefix}restarts`, { description: 'Restarts of each node of the supervision tree', unit: '{restart}' });
    const backoff = meter.createHistogram(`${prefix}backoff.delay`, {
      description: 'Delays before restarts (restart-scheduled events), per node',
      unit: 's',
      advice: { explicitBucketBoundaries: backoffBuckets },
    });
    const dropped = meter.createCounter(`${prefix}events.dropped`, { description: 'Events a supervisor process dropped while its parent was slow', unit: '{event}' });
    const protocolErrors = meter.createCounter(`${prefix}protocol.errors`, { description: 'IPC messages rejected from each supervisor process', unit: '{message}' });
    const leases = meter.createCounter(`${prefix}lease.changes`, { description: 'Cluster mode: leases of placed nodes acquired, lost and released by this replica', unit: '{change}' });
    const states = meter.createObservableGauge(`${prefix}node.state`, { description: 'State of each node: 1 for its current state, 0 for the others' });
    const processGauges = new Map<ProcessMetric, ObservableGauge>();
    for (const [metric, { name, description, unit }] of Object.entries(PROCESS_GAUGES) as [ProcessMetric, (typeof PROCESS_GAUGES)[ProcessMetric]][]) {
      processGauges.set(metric, meter.createObservableGauge(`${prefix}${name}`, { description, unit }));
    }
    const callback: BatchObservableCallback = (result) => {
      for (const [path, current] of nodeStates(supervision.snapshot())) {
        for (const state of NODE_STATES) result.observe(states, state === current ? 1 : 0, { path, state });
      }
      for (const p of supervision.processes()) {
        for (const { metric, value } of processReadings(p)) result.observe(processGauges.get(metric)!, value, { path: p.path, pid: p.pid });
      }
    };
    this.observe = { callback, gauges: [states, ...processGauges.values()] };
    meter.addBatchObservableCallback(callback, this.observe.gauges);
    this.subscription = countEvents(supervision.events$, {
      restarted: (path) => restarts.add(1, { path }),
      backoff: (path, seconds) => backoff.record(seconds, { path }),
      eventsDropped: (path, count) => dropped.add(count, { path }),
      protocolError: (path) => protocolErrors.add(1, { path }),
      leaseChange: (path, change) => leases.add(1, { path, change }),
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    if (this.observe) this.options!.meter.removeBatchObservableCallback(this.observe.callback, this.observe.gauges);
    this.observe = undefined;
  }
}
