import { describe, expect, it } from '@jest/globals';
import { compareRuns, relativeSpread, type RunLike, type SpreadFile } from './compare.js';

const summary = { n: 1, median: 1, min: 1, max: 1 };
function run(ratios: { [metric: string]: [unit: string, ratio: number] }): RunLike {
  return {
    figures: [
      {
        id: 'fig',
        number: 9,
        rows: Object.entries(ratios).map(([metric, [unit, ratio]]) => ({ metric, unit, value: summary, ratio })),
      },
    ],
  };
}
const spread: SpreadFile = {
  measured: 'now',
  runs: [],
  rows: { 'fig/time': { ratios: [], relativeSpread: 0.1 }, 'fig/rate': { ratios: [], relativeSpread: 0.1 } },
};

describe('compareRuns', () => {
  it('flags a time ratio that grew beyond the spread, and not one within it', () => {
    expect(compareRuns(run({ time: ['ms', 1.2] }), run({ time: ['ms', 1.0] }), spread)).toMatchObject({
      regressions: 1,
      lines: [expect.stringContaining('REGRESSION')],
    });
    expect(compareRuns(run({ time: ['ms', 1.05] }), run({ time: ['ms', 1.0] }), spread).regressions).toBe(0);
  });

  it('counts a throughput ratio that fell as worse, and one that rose as better', () => {
    expect(compareRuns(run({ rate: ['events/s', 0.5] }), run({ rate: ['events/s', 0.7] }), spread).regressions).toBe(1);
    expect(compareRuns(run({ rate: ['events/s', 0.9] }), run({ rate: ['events/s', 0.7] }), spread).lines[0]).toContain('better');
  });

  it('reports, without judging, a row whose spread was never measured', () => {
    const result = compareRuns(run({ other: ['ms', 5] }), run({ other: ['ms', 1] }), spread);
    expect(result).toEqual({ regressions: 0, lines: [expect.stringContaining('spread not measured')] });
  });
});

describe('relativeSpread', () => {
  it('is the range of the ratios over their median', () => {
    expect(relativeSpread([1, 1.2, 0.9])).toBeCloseTo(0.3);
  });
});
