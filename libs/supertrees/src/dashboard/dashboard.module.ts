import { Controller, Module, UseGuards, type DynamicModule } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';
import { DashboardEventLog } from './dashboard.event-log.js';
import { DASHBOARD_OPTIONS, resolveDashboardOptions, type SupervisionDashboardOptions } from './dashboard.options.js';

/**
 * A live view of the supervision tree in the browser, served by the library itself (no file or
 * request leaves the app). Opt-in, mounted where you say, behind a guard you give.
 *
 * ```ts
 * SupervisionDashboardModule.register({ path: 'ops/supervision', guard: AdminGuard })
 * ```
 */
@Module({})
export class SupervisionDashboardModule {
  static register(options: SupervisionDashboardOptions): DynamicModule {
    const resolved = resolveDashboardOptions(options);
    // A class per mount: Nest reads the path and guards from the controller class, and the
    // decorators take fixed arguments. The routes themselves are inherited from DashboardController.
    class SupervisionDashboardController extends DashboardController {}
    Controller(resolved.path)(SupervisionDashboardController);
    UseGuards(resolved.guard)(SupervisionDashboardController);
    return {
      module: SupervisionDashboardModule,
      imports: resolved.imports,
      controllers: [SupervisionDashboardController],
      providers: [{ provide: DASHBOARD_OPTIONS, useValue: resolved }, DashboardEventLog],
    };
  }
}
