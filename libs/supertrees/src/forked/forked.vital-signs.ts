import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { SupervisorProcessReport } from '../process/process.vitals.js';

const SAMPLING_MS = 10;

/** Measures the supervisor process it runs in, for its heartbeats. */
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

  close(): void {
    this.loop.disable();
  }
}
