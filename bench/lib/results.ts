/** What a figure reports, as run.ts prints it and bench/results.json stores it. */

/** Plain data that survives IPC and JSON unchanged. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The machine a run was measured on (a type, not an interface, so that it is plain {@link Json}). */
export type Machine = { cpuModel: string; cores: number; memoryGiB: number; node: string; platform: string };

/** The machine and how busy it was before and after the run. */
export type MachineRun = Machine & {
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  cpuShareBefore: number;
  cpuShareAfter: number;
};

/** The spread of a set of samples (a type, not an interface, so that it is plain {@link Json}). */
export type Summary = {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
};

/** One measured quantity of a figure, next to its floor and its goal. */
export interface Row {
  /** What was measured, e.g. `per restart`. */
  readonly metric: string;
  readonly unit: string;
  readonly value: Summary;
  /** The same quantity for the bare mechanism, measured in the same run on the same machine. */
  readonly floor?: { readonly what: string; readonly value: Summary };
  /** value.median / floor.median. */
  readonly ratio?: number;
  readonly goal?: Goal;
}

export interface Goal {
  readonly text: string;
  readonly met: boolean;
}

export interface FigureResult {
  /** 1..6, as numbered in the issue. */
  readonly number: number;
  readonly id: string;
  readonly title: string;
  /** How it was measured, in a sentence or two. */
  readonly setup: string;
  readonly rows: readonly Row[];
  /** Further measurements that explain the rows (not goals). */
  readonly details: { [key: string]: Json };
  readonly notes: readonly string[];
}

/** What a figure process sends run.ts when it is done. */
export type FigureMessage = { t: 'result'; result: FigureResult } | { t: 'error'; error: string };

/** A row with its ratio computed from the floor. */
export function row(
  metric: string,
  unit: string,
  value: Summary,
  floor?: { what: string; value: Summary },
  goal?: Goal,
): Row {
  const ratio = floor && floor.value.median !== 0 ? value.median / floor.value.median : undefined;
  return { metric, unit, value, ...(floor ? { floor } : {}), ...(ratio !== undefined ? { ratio: round(ratio, 3) } : {}), ...(goal ? { goal } : {}) };
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
