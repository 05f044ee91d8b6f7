/**
 * A supervisor process as its parent last heard of it: the heartbeat's news, carried up the
 * process tree with every heartbeat so the main process knows all of them.
 */
export interface SupervisorProcessReport {
  /** The supervisor the process runs. */
  readonly path: string;
  readonly pid: number;
  /** How long the process that watches it had heard nothing from it, ms. */
  readonly silentForMs: number;
  /** Measured at its last heartbeat; absent until the first one. */
  readonly rssBytes?: number;
  readonly heapUsedBytes?: number;
  readonly heapTotalBytes?: number;
  /** Event-loop delay since its previous heartbeat (mean and max, ms, beyond the 20 ms sampling period). */
  readonly eventLoopDelayMeanMs?: number;
  readonly eventLoopDelayMaxMs?: number;
}

/** A supervisor process as `SupervisionService.processes()` shows it. */
export interface SupervisorProcessStatus extends SupervisorProcessReport {
  /** Whole heartbeat intervals without a word from it: `floor(silentForMs / heartbeatIntervalMs)`. */
  readonly missedHeartbeats: number;
}

interface Watched {
  readonly pid: number;
  readonly silentFor: () => number;
  /** Its own last measurement and its descendants', as of `receivedAt`. */
  reports: readonly SupervisorProcessReport[];
  receivedAt: number;
}

/**
 * The supervisor processes this process forked, and those they forked, as their heartbeats tell.
 * Each process keeps one; a supervisor process forwards its list with its own heartbeat.
 */
export class ProcessVitalsBoard {
  private readonly watched = new Map<string, Watched>();

  /**
   * From a child's `started` on; `silentFor` is the parent's own count of the time since that
   * child's last message, whatever the message. Returns the unwatch.
   */
  watch(path: string, pid: number, silentFor: () => number): () => void {
    const entry: Watched = { pid, silentFor, reports: [], receivedAt: performance.now() };
    this.watched.set(path, entry);
    return () => {
      if (this.watched.get(path) === entry) this.watched.delete(path);
    };
  }

  /** A heartbeat of the child at `path`: its own measurement first, then its descendants'. */
  heartbeat(path: string, reports: readonly SupervisorProcessReport[]): void {
    const entry = this.watched.get(path);
    if (!entry) return;
    entry.reports = reports;
    entry.receivedAt = performance.now();
  }

  /** Every process below this one, silences brought up to now. */
  list(now: number = performance.now()): SupervisorProcessReport[] {
    const out: SupervisorProcessReport[] = [];
    for (const [path, entry] of this.watched) {
      const own = entry.reports.find((r) => r.path === path && r.pid === entry.pid);
      out.push({ ...own, path, pid: entry.pid, silentForMs: Math.max(0, entry.silentFor()) });
      const age = Math.max(0, now - entry.receivedAt);
      for (const report of entry.reports) {
        if (report !== own) out.push({ ...report, silentForMs: report.silentForMs + age });
      }
    }
    return out;
  }
}
