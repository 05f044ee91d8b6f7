import type { ChildProcess } from 'node:child_process';

/**
 * The supervisor processes this process forked and that are still alive. Its last resort
 * against orphans: when this process exits, or gets a second SIGINT/SIGTERM while shutting
 * down, every one of them is SIGKILLed synchronously (each of them does the same for its own).
 */
export class ProcessRegistry {
  private readonly live = new Set<ChildProcess>();
  private readonly onExit = () => this.killAll();

  add(child: ChildProcess): void {
    if (this.live.size === 0) process.on('exit', this.onExit);
    this.live.add(child);
    child.once('exit', () => this.remove(child));
  }

  killAll(): void {
    for (const child of this.live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /**
   * While a graceful shutdown runs, a further SIGINT or SIGTERM kills every supervisor process
   * at once and exits. Returns the function that ends this.
   */
  killOnSignalDuring(): () => void {
    const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
      const handler = () => {
        this.killAll();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      // Added while the first signal is being dispatched, so it only sees the next one.
      process.once(signal, handler);
      return () => process.removeListener(signal, handler);
    });
    return () => handlers.forEach((remove) => remove());
  }

  private remove(child: ChildProcess): void {
    this.live.delete(child);
    if (this.live.size === 0) process.removeListener('exit', this.onExit);
  }
}
