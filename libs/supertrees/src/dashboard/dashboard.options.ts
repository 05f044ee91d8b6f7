import type { CanActivate, DynamicModule, ForwardReference, Type } from '@nestjs/common';
import { InvalidOptionError } from '../index.js';
import { DASHBOARD_MESSAGES } from './dashboard.messages.js';

/** Options of {@link SupervisionDashboardModule.register}. */
export interface SupervisionDashboardOptions {
  /**
   * Where the dashboard is mounted, below any global prefix: the page is `<path>/`, its files
   * `<path>/assets/*`, its live stream `<path>/stream`, its actions `<path>/actions/*`.
   * Default `'supervision'`.
   */
  path?: string;
  /**
   * Required. Decides who may use the dashboard; applied to every route of it (page, assets, live
   * stream, actions). A `CanActivate` class (instantiated by Nest in the dashboard's module, so its
   * dependencies come from `imports` or global modules) or an instance.
   */
  guard: Type<CanActivate> | CanActivate;
  /**
   * Shows terminate/restart buttons per node and accepts those actions. Default `false`: no buttons,
   * and the action routes answer 403.
   */
  actions?: boolean;
  /** How many recent events the server keeps and sends to a page when it opens. Default `200`. */
  eventLogSize?: number;
  /** Least time between two trees sent to a page, in ms. Default `250`. */
  throttleMs?: number;
  /** Modules the guard class needs for its dependencies. Default none. */
  imports?: Array<Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference>;
}

/** Every option of the dashboard with its default applied. */
export interface ResolvedDashboardOptions {
  readonly path: string;
  readonly guard: Type<CanActivate> | CanActivate;
  readonly actions: boolean;
  readonly eventLogSize: number;
  readonly throttleMs: number;
  readonly imports: NonNullable<SupervisionDashboardOptions['imports']>;
}

export const DASHBOARD_DEFAULTS = {
  path: 'supervision',
  actions: false,
  eventLogSize: 200,
  throttleMs: 250,
} as const;

export const DASHBOARD_OPTIONS = Symbol('SUPERVISION_DASHBOARD_OPTIONS');

const KNOWN = new Set(['path', 'guard', 'actions', 'eventLogSize', 'throttleMs', 'imports']);

/** Applies the defaults and checks every option once, so `register()` fails with a message a user can act on. */
export function resolveDashboardOptions(options: SupervisionDashboardOptions): ResolvedDashboardOptions {
  const owner = DASHBOARD_MESSAGES.owner;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(owner, 'guard', DASHBOARD_MESSAGES.guardRequired());
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new InvalidOptionError(owner, key, `is not an option (known: ${[...KNOWN].join(', ')})`);
  }
  const { guard } = options;
  if (guard === undefined || guard === null) throw new InvalidOptionError(owner, 'guard', DASHBOARD_MESSAGES.guardRequired());
  const isGuardClass = typeof guard === 'function' && typeof (guard.prototype as Partial<CanActivate>)?.canActivate === 'function';
  const isGuardInstance = typeof guard === 'object' && typeof (guard as Partial<CanActivate>).canActivate === 'function';
  if (!isGuardClass && !isGuardInstance) {
    throw new InvalidOptionError(owner, 'guard', DASHBOARD_MESSAGES.guardInvalid(describe(guard)));
  }
  const path = options.path ?? DASHBOARD_DEFAULTS.path;
  if (typeof path !== 'string') throw new InvalidOptionError(owner, 'path', `must be a string (got ${describe(path)})`);
  if (/[?#\s]/.test(path)) throw new InvalidOptionError(owner, 'path', `must be a route path without "?", "#" or spaces (got "${path}")`);
  const actions = options.actions ?? DASHBOARD_DEFAULTS.actions;
  if (typeof actions !== 'boolean') throw new InvalidOptionError(owner, 'actions', `must be true or false (got ${describe(actions)})`);
  const eventLogSize = options.eventLogSize ?? DASHBOARD_DEFAULTS.eventLogSize;
  if (!Number.isInteger(eventLogSize) || eventLogSize < 0 || eventLogSize > 100_000) {
    throw new InvalidOptionError(owner, 'eventLogSize', `must be a whole number from 0 to 100000 (got ${describe(eventLogSize)})`);
  }
  const throttleMs = options.throttleMs ?? DASHBOARD_DEFAULTS.throttleMs;
  if (typeof throttleMs !== 'number' || !Number.isFinite(throttleMs) || throttleMs < 0) {
    throw new InvalidOptionError(owner, 'throttleMs', `must be a finite number >= 0 (got ${describe(throttleMs)})`);
  }
  const imports = options.imports ?? [];
  if (!Array.isArray(imports)) throw new InvalidOptionError(owner, 'imports', `must be an array of modules (got ${describe(imports)})`);
  return { path: path.replace(/^\/+|\/+$/g, ''), guard, actions, eventLogSize, throttleMs, imports };
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `class ${value.name || '(anonymous)'} without canActivate()`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
