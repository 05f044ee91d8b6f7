/** The messages of the testing kit's errors, shared with its tests (as `MESSAGES` is for the library's). */
export const TESTING_MESSAGES = {
  eventTimeout: (wanted: string, timeoutMs: number, seen: readonly string[]) =>
    `waitForEvent: waited ${timeoutMs} ms in vain for ${wanted}; ` +
    (seen.length === 0
      ? 'no event was seen'
      : `events seen (${seen.length}${seen.length > SEEN_LISTED ? `, last ${SEEN_LISTED}` : ''}):\n  ${seen.slice(-SEEN_LISTED).join('\n  ')}`),
  streamCompleted: (wanted: string) =>
    `waitForEvent: the event stream completed (the application closed) before ${wanted}`,
  processesLeft: (pids: readonly number[], timeoutMs: number) =>
    `createSupervisionTestingModule: supervisor processes still alive ${timeoutMs} ms after close(): pids ${pids.join(', ')}`,
  isolationNeedsForRoot: () =>
    'createSupervisionTestingModule: "isolation" applies to the SupervisionModule.forRoot the kit adds; with supervision: false, set isolation in your own forRoot',
  processesNeedEntry: () =>
    'createSupervisionTestingModule: isolation "as-declared" forks supervisor processes, which need "entry": a compiled script that calls bootstrapSupervised (or supervisorProcessEntry) with a module that builds the same tree',
  noNode: (path: string, paths: readonly string[]) =>
    `findNode: no node ${path} in the snapshot; its nodes: ${paths.join(', ')}`,
  mainInSupervisorEntry: () =>
    'supervisorProcessEntry: this script runs only as a supervisor process forked by a test; run the test instead',
} as const;

/** How many of the events seen a timeout error lists. */
export const SEEN_LISTED = 30;
