import { Logger, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/** A module with nothing in it: what a process boots once to warm up Nest's code. */
@Module({})
class WarmUpModule {}

/**
 * Nest's process-wide logger: `logger: false` replaces it for good (a later context given log
 * levels does not bring it back), so the warm-up puts it back as it found it.
 */
class GlobalLogger extends Logger {
  static keep(): () => void {
    const instance = Logger.staticInstanceRef;
    const levels = Logger.logLevels;
    return () => {
      Logger.staticInstanceRef = instance;
      Logger.logLevels = levels;
    };
  }
}

/**
 * Creates and closes an application context of an empty module, while the process waits to be
 * told which supervisor to become. V8 compiles a function on its first call, so the first context
 * a process creates pays for compiling Nest's scanner, injector and lifecycle code: about half of
 * that context's time. A standing spare does it while it waits, so a restarted supervisor creates
 * its context warm. No code of the app runs, nothing is logged, and Nest's logger is left as it
 * was. A failure here is no failure: the real boot reports its own.
 */
export async function warmUpNest(): Promise<void> {
  const restoreLogger = GlobalLogger.keep();
  let context: INestApplicationContext | undefined;
  try {
    context = await NestFactory.createApplicationContext(WarmUpModule, { logger: false, abortOnError: false });
  } catch {
    // the real boot reports what is wrong
  } finally {
    // At once: while Nest's logger is off, this process's own warnings would be lost.
    restoreLogger();
  }
  await context?.close().catch(() => undefined);
}
