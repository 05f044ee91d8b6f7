import type { Type } from '@nestjs/common';
import type { NestApplicationContextOptions } from '@nestjs/common/interfaces/nest-application-context-options.interface.js';
import { isSupervisorProcess } from './process/process.role.js';
import { QuietBootLogger } from './forked/quiet-boot.logger.js';
import { runSupervisorProcess } from './forked/forked-supervisor.runner.js';

export interface BootstrapSupervisedOptions {
  /**
   * The module a supervisor process boots instead of `appModule`: a leaner module that imports
   * only what the supervised workers need (and `SupervisionModule.forRoot` with the same options)
   * starts faster and opens fewer connections. Default: `appModule`.
   */
  processModule?: Type<unknown>;
  /**
   * Options of the application context a supervisor process creates. A `logger` given here is used
   * as it is (and `bootLog` is then moot).
   */
  contextOptions?: NestApplicationContextOptions;
  /**
   * Whether a supervisor process prints Nest's boot log (`NestFactory`, `InstanceLoader` lines) as
   * the app does. Default `false`: every supervisor process boots the app's modules again, at each
   * restart too, and would repeat those lines; errors, warnings and every other log line are
   * printed either way.
   */
  bootLog?: boolean;
}

/**
 * The one line an app's entry file needs so that it can also serve as a supervisor process:
 * in the app, it calls `main`; in a process forked to run a supervisor, it boots `appModule` as
 * an application context (never `main`, so never the HTTP server) and runs that subtree.
 *
 * ```ts
 * await bootstrapSupervised(AppModule, async () => {
 *   const app = await NestFactory.create(AppModule);
 *   app.enableShutdownHooks();
 *   await app.listen(3000);
 * });
 * ```
 */
export async function bootstrapSupervised(
  appModule: Type<unknown>,
  main: () => unknown,
  options: BootstrapSupervisedOptions = {},
): Promise<void> {
  if (isSupervisorProcess()) {
    const contextOptions =
      options.bootLog || options.contextOptions?.logger !== undefined
        ? options.contextOptions
        : { ...options.contextOptions, logger: new QuietBootLogger() };
    await runSupervisorProcess(options.processModule ?? appModule, contextOptions);
    return;
  }
  await main();
}
