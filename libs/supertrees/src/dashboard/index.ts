// The public surface of nestjs-supertrees/dashboard: an opt-in module, loaded only by apps that import it.
export { SupervisionDashboardModule } from './dashboard.module.js';
export { DASHBOARD_DEFAULTS, type SupervisionDashboardOptions } from './dashboard.options.js';
export { DASHBOARD_ACTION_HEADER, type DashboardHello } from './dashboard.controller.js';
export type { DashboardActions } from './dashboard.actions.js';
export { DASHBOARD_MESSAGES } from './dashboard.messages.js';
