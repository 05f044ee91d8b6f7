/**
 * OTP's restart intensity: at most `maxRestarts` restarts in any window of `withinMs`.
 * `record()` adds a restart and says whether the supervisor may go on.
 */
export class RestartIntensity {
  private readonly times: number[] = [];

  constructor(
    private readonly maxRestarts: number,
    private readonly withinMs: number,
  ) {}

  /** Records a restart at `now` (ms); false when that restart is one too many. */
  record(now: number): boolean {
    if (this.maxRestarts === Number.POSITIVE_INFINITY) return true;
    this.times.push(now);
    const horizon = now - this.withinMs;
    // As in OTP, a restart exactly `withinMs` ago still counts.
    while (this.times.length > 0 && this.times[0]! < horizon) this.times.shift();
    return this.times.length <= this.maxRestarts;
  }
}
