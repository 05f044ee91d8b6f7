import { ConsoleLogger } from '@nestjs/common';

/**
 * The contexts of Nest's own start-up lines ("Starting Nest application...", "X dependencies
 * initialized", routes mapped). A supervisor process boots the same modules as the app, so these
 * lines would be printed again by every supervisor process, and after every restart.
 */
const NEST_BOOT_CONTEXTS: ReadonlySet<string> = new Set([
  'NestFactory',
  'InstanceLoader',
  'NestApplicationContext',
  'NestApplication',
  'RoutesResolver',
  'RouterExplorer',
]);

/**
 * The logger a supervisor process boots with unless told otherwise: Nest's console logger minus
 * Nest's boot lines at `log` level. Errors and warnings from anywhere, and every other context
 * (the library's, the app's workers'), are printed as usual.
 */
export class QuietBootLogger extends ConsoleLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.length > 0 ? optionalParams[optionalParams.length - 1] : this.context;
    if (typeof context === 'string' && NEST_BOOT_CONTEXTS.has(context)) return;
    super.log(message, ...optionalParams);
  }
}
