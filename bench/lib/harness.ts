import { killTracked } from './processes.js';
import type { FigureMessage, FigureResult } from './results.js';

/**
 * The life of a figure process: measure, hand the result to run.ts over IPC (or print it when run
 * by hand), and exit, leaving no child behind. If run.ts goes away, exit at once.
 */
export async function runFigure(measure: () => Promise<FigureResult>): Promise<void> {
  process.once('disconnect', () => {
    killTracked();
    process.exit(2);
  });
  let message: FigureMessage;
  try {
    message = { t: 'result', result: await measure() };
  } catch (error) {
    message = { t: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  killTracked();
  if (process.send) {
    await new Promise<void>((resolve) => process.send!(message, undefined, {}, () => resolve()));
  } else {
    process.stdout.write(`${JSON.stringify(message, null, 2)}\n`);
  }
  process.exit(message.t === 'result' ? 0 : 1);
}
