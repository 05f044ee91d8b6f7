import type { Type } from '@nestjs/common';
import { bootstrapSupervised } from '../index.js';
import { SupervisionTestingError } from './testing.errors.js';
import { TESTING_MESSAGES } from './testing.messages.js';

/** The options of `bootstrapSupervised` (`processModule`, `contextOptions`). */
export type SupervisorProcessEntryOptions = NonNullable<
  Parameters<typeof bootstrapSupervised>[2]
>;

/**
 * The body of an entry script for the supervisor processes a test forks: boots `module` as a
 * supervisor process. The script is only ever run by the library, never as an app, so its `main`
 * throws. Without `options.contextOptions` its Nest logger prints errors and warnings only: a
 * test's output is no place for every process's boot log.
 *
 * ```ts
 * // test/trees/ingest.entry.ts, compiled before the tests run
 * await supervisorProcessEntry(IngestTreeModule);
 * ```
 */
export function supervisorProcessEntry(
  module: Type<unknown>,
  options: SupervisorProcessEntryOptions = {},
): Promise<void> {
  return bootstrapSupervised(
    module,
    () => {
      throw new SupervisionTestingError(
        TESTING_MESSAGES.mainInSupervisorEntry(),
      );
    },
    {
      ...options,
      contextOptions: options.contextOptions ?? { logger: ['error', 'warn'] },
    },
  );
}
