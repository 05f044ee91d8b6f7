import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { SupervisorProcessReport } from '../process/process.vitals.js';

/**
 * How often the event loop is sampled. Each sample is a timer wake-up: every 20 ms costs an idle
 * process about 0.4 % of a core (10 ms, prom-client's default, twice that), and still catches any
 * block longer than 20 ms.
 */
const SAMPLING_MS = 20;

/** Measures the supervisor process it runs in, for its heartbeats (it needs no `close()`: the process exits). */
export class VitalSigns {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: SAMPLING_MS });

  constructor() {
    this.loop.enable();
  }

  /** This process now; the event-loop figures cover the time since the previous call. */
  measure(path: string): SupervisorProcessReport {
    const memory = process.memoryUsage();
    const beyond = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - SAMPLING_MS) : 0);
    const report = {
      path,
      pid: process.pid,
      silentForMs: 0,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      eventLoopDelayMeanMs: this.loop.count > 0 ? beyond(this.loop.mean) : 0,
      eventLoopDelayMaxMs: this.loop.count > 0 ? beyond(this.loop.max) : 0,
    };
    this.loop.reset();
    return report;
  }
}
