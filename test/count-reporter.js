// Ends the run with a plain "N passed, N failed" line, so a run that executed nothing shows as such.
export default class CountReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numFailedTestSuites - results.testResults.filter((r) => r.numFailingTests > 0).length;
    const failed = results.numFailedTests + Math.max(0, failedSuites);
    const line = `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    // Written as the process exits, after Jest's own summary, so it is the run's last line.
    process.once('exit', () => process.stderr.write(`\n${line}\n`));
  }
}
