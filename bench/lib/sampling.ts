import { memoryOf } from './processes.js';
import { sleep } from './stats.js';

/**
 * Rates of a growing counter: after `warmupMs`, `windows` windows of `windowMs` each, per second
 * of time that really elapsed (a busy event loop fires the timer late).
 */
export async function ratePerSecond(read: () => number, warmupMs: number, windows: number, windowMs: number): Promise<number[]> {
  await sleep(warmupMs);
  const rates: number[] = [];
  let count = read();
  let at = performance.now();
  for (let i = 0; i < windows; i += 1) {
    await sleep(windowMs);
    const now = performance.now();
    const next = read();
    rates.push((next - count) / ((now - at) / 1000));
    count = next;
    at = now;
  }
  return rates;
}

/** The resident memory of a process, sampled until stopped, and its peak as the kernel counted it. */
export class MemorySampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;
  private hwmKiB = 0;

  constructor(
    readonly pid: number,
    everyMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  /** Stops sampling and returns what was seen, in MiB. */
  stop(): MemoryReport {
    clearInterval(this.timer);
    this.sample();
    const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
    const half = Math.floor(this.samples.length / 2);
    return {
      samples: this.samples.length,
      firstMiB: mib(this.samples[0] ?? NaN),
      lastMiB: mib(this.samples[this.samples.length - 1] ?? NaN),
      peakFirstHalfMiB: mib(Math.max(...this.samples.slice(0, half))),
      peakSecondHalfMiB: mib(Math.max(...this.samples.slice(half))),
      hwmMiB: mib(this.hwmKiB),
    };
  }

  private sample(): void {
    const memory = memoryOf(this.pid);
    if (!memory) return;
    this.samples.push(memory.rssKiB);
    this.hwmKiB = Math.max(this.hwmKiB, memory.hwmKiB);
  }
}

export interface MemoryReport {
  [key: string]: number;
  samples: number;
  firstMiB: number;
  lastMiB: number;
  peakFirstHalfMiB: number;
  peakSecondHalfMiB: number;
  /** VmHWM: the peak resident size over the process's whole life. */
  hwmMiB: number;
}
