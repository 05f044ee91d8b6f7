import { Injectable, Logger, Scope, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { Subscription } from 'rxjs';
import { SupervisionTree } from './discovery/supervision.tree.js';
import { InvalidEventHandlerError } from './errors/supervision-config.error.js';
import { SupervisionEventBus } from './events/event.bus.js';
import { getEventHandlerMetadata } from './events/on-supervision-event.decorator.js';
import { EVENT_TYPES, type SupervisionEvent } from './events/supervision.events.js';
import { isSupervisorProcess } from './process/process.role.js';
import { MESSAGES } from './shared/supervision.messages.js';
import { findNode, walkTree } from './tree/tree.types.js';

interface Handler {
  /** `Class.method`, for errors and logs. */
  readonly name: string;
  readonly types: ReadonlySet<string> | undefined;
  readonly path: string | undefined;
  readonly subtree: boolean;
  readonly call: (event: SupervisionEvent) => unknown;
}

/**
 * Finds `@OnSupervisionEvent()` methods on providers and controllers (like `@nestjs/event-emitter`'s
 * loader) and feeds them the event stream. Wired in `onModuleInit`, after the tree is built, so a
 * bad type or path fails `app.init()`; the subscription outlives `onModuleDestroy` so handlers see
 * the shutdown's events, and ends with the stream. Handlers run in the main process only, where every
 * process's events end up: a supervisor process (the same code, checked in the main process first) does
 * not look for them, which spares its every cold start a walk over all the app's providers.
 */
@Injectable()
export class SupervisionEventHandlers implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('SupervisionEventHandlers');
  private subscription?: Subscription;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly tree: SupervisionTree,
    private readonly bus: SupervisionEventBus,
  ) {}

  onModuleInit(): void {
    if (isSupervisorProcess()) return;
    const handlers = this.explore();
    if (handlers.length === 0) return;
    this.subscription = this.bus.events$.subscribe((event) => {
      for (const handler of handlers) if (matches(handler, event)) this.invoke(handler, event);
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  private explore(): Handler[] {
    const handlers: Handler[] = [];
    const seen = new Set<unknown>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const key of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[key];
        const metadata = typeof method === 'function' ? getEventHandlerMetadata(method) : undefined;
        if (!metadata) continue;
        const name = `${wrapper.metatype?.name ?? wrapper.name?.toString() ?? 'provider'}.${key}`;
        if (wrapper.scope === Scope.TRANSIENT || !wrapper.isDependencyTreeStatic()) {
          throw new InvalidEventHandlerError(MESSAGES.handlerScoped(name, wrapper.scope === Scope.TRANSIENT ? 'transient' : 'request'), wrapper.metatype?.name);
        }
        seen.add(instance);
        for (const { types, options } of metadata) {
          for (const type of types) {
            if (type !== '*' && !EVENT_TYPES.includes(type)) throw new InvalidEventHandlerError(MESSAGES.handlerUnknownType(name, String(type)), wrapper.metatype?.name);
          }
          const path = options.path === undefined ? undefined : this.resolvePath(name, options.path, wrapper.metatype?.name);
          handlers.push({
            name,
            types: types.includes('*') ? undefined : new Set(types),
            path,
            subtree: options.subtree === true,
            call: (event) => (method as (event: SupervisionEvent) => unknown).call(instance, event),
          });
        }
      }
    }
    return handlers;
  }

  private resolvePath(name: string, path: string | Function, className: string | undefined): string {
    const tree = this.tree.root;
    if (typeof path === 'string') {
      if (!findNode(tree, path)) throw new InvalidEventHandlerError(MESSAGES.handlerBadPath(name, path), className);
      return path;
    }
    for (const node of walkTree(tree)) if (node.type === path) return node.path;
    throw new InvalidEventHandlerError(MESSAGES.handlerBadPath(name, path.name), className);
  }

  /** A handler's failure is its own: logged with its stack, never passed on to the stream. */
  private invoke(handler: Handler, event: SupervisionEvent): void {
    const report = (error: unknown) =>
      this.log.error(MESSAGES.handlerFailed(handler.name, event.type, event.path, (error as Error)?.message ?? String(error)), (error as Error)?.stack);
    try {
      const result = handler.call(event);
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') Promise.resolve(result).catch(report);
    } catch (error) {
      report(error);
    }
  }
}

function matches(handler: Handler, event: SupervisionEvent): boolean {
  if (handler.types && !handler.types.has(event.type)) return false;
  if (handler.path === undefined || event.path === handler.path) return true;
  return handler.subtree && event.path.startsWith(`${handler.path}/`);
}
