// Bookkeeping for long runs that must not grow with the number of events: which `processSeq`
// numbers arrived from each process, kept as disjoint intervals (a run without losses is one
// interval per process), and the `events-dropped` counts reported for each.
import type { SupervisionEvent } from '../../libs/supertrees/src/index.js';

/** The sequence numbers seen from one process, as sorted, disjoint, non-adjacent [from, to] intervals. */
export class SeqLedger {
  private readonly intervals: [number, number][] = [];
  /** Numbers that arrived more than once. */
  duplicates = 0;
  /** Distinct numbers seen. */
  distinct = 0;
  /** The highest number seen. */
  max = 0;

  add(n: number): void {
    const list = this.intervals;
    // Index of the first interval that starts after n (nearly always the end: numbers arrive in order).
    let lo = 0;
    let hi = list.length;
    if (hi > 0 && list[hi - 1]![0] <= n) lo = hi;
    else {
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]![0] <= n) lo = mid + 1;
        else hi = mid;
      }
    }
    const before = lo > 0 ? list[lo - 1]! : undefined;
    const after = lo < list.length ? list[lo]! : undefined;
    if (before && n <= before[1]) {
      this.duplicates += 1;
      return;
    }
    this.distinct += 1;
    this.max = Math.max(this.max, n);
    const joinsBefore = before !== undefined && before[1] === n - 1;
    const joinsAfter = after !== undefined && after[0] === n + 1;
    if (joinsBefore && joinsAfter) {
      before[1] = after[1];
      list.splice(lo, 1);
    } else if (joinsBefore) before[1] = n;
    else if (joinsAfter) after[0] = n;
    else list.splice(lo, 0, [n, n]);
  }

  /** Numbers below the highest one seen that never arrived. */
  get missing(): number {
    return this.max - this.distinct;
  }

  /** How many stretches of numbers the ledger holds (its memory). */
  get stretches(): number {
    return this.intervals.length;
  }
}

/** What arrived from one pid: its ledgers (a new one each time the pid starts over at 1) and its reported drops. */
export interface PidAccount {
  readonly pid: number;
  readonly incarnations: SeqLedger[];
  /** Sum of the `count` of every `events-dropped` event whose `originPid` is this pid. */
  reportedDrops: number;
}

/** Per-pid accounts of a whole event stream, fed one event at a time. */
export class SeqAccounts {
  private readonly accounts = new Map<number, PidAccount>();

  record(event: SupervisionEvent): void {
    const account = this.accountOf(event.pid);
    let ledger = account.incarnations.at(-1)!;
    // The first event of a process is number 1. Seeing 1 again from a known pid means the pid was
    // reused by a new process (pids wrap at /proc/sys/kernel/pid_max): its numbers start afresh.
    if (event.processSeq === 1 && ledger.distinct > 0) {
      ledger = new SeqLedger();
      account.incarnations.push(ledger);
    }
    ledger.add(event.processSeq);
    if (event.type === 'events-dropped') this.accountOf(event.originPid).reportedDrops += event.count;
  }

  /** Every pid, with the numbers missing below its highest, the drops reported for it, and duplicates. */
  summary(): { pid: number; missing: number; reportedDrops: number; duplicates: number; incarnations: number }[] {
    return [...this.accounts.values()].map((a) => ({
      pid: a.pid,
      missing: a.incarnations.reduce((sum, l) => sum + l.missing, 0),
      reportedDrops: a.reportedDrops,
      duplicates: a.incarnations.reduce((sum, l) => sum + l.duplicates, 0),
      incarnations: a.incarnations.length,
    }));
  }

  private accountOf(pid: number): PidAccount {
    let account = this.accounts.get(pid);
    if (!account) {
      account = { pid, incarnations: [new SeqLedger()], reportedDrops: 0 };
      this.accounts.set(pid, account);
    }
    return account;
  }
}
