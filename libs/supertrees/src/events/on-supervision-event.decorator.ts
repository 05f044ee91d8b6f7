import type { Type } from '@nestjs/common';
import { EVENT_HANDLER_METADATA } from '../shared/supervision.constants.js';
import type { SupervisionEvent, SupervisionEventType } from './supervision.events.js';

/** Options of `@OnSupervisionEvent()`. */
export interface OnSupervisionEventOptions {
  /** Only events of this node: a `@Worker` / `@Supervisor` class or a path (`root/…`). Default: every node. */
  path?: Type<unknown> | string;
  /** With `path`: its descendants' events too. Default `false`. */
  subtree?: boolean;
}

/** What `@OnSupervisionEvent()` stores on a method; checked and wired at `app.init()`. */
export interface SupervisionEventHandlerMetadata {
  /** Event types, or `'*'` for all. */
  readonly types: readonly (SupervisionEventType | '*')[];
  readonly options: OnSupervisionEventOptions;
}

/** The event a handler of `T` receives. */
export type SupervisionEventOf<T extends SupervisionEventType | '*'> = T extends '*' ? SupervisionEvent : Extract<SupervisionEvent, { type: T }>;

/**
 * Calls the decorated method of a singleton provider with each event of the given type(s) (`'*'`:
 * all) in the main process, as `@OnEvent()` of `@nestjs/event-emitter` does. Handlers are found at
 * `app.init()`. One that throws or rejects is logged with its stack; the stream and the other
 * handlers go on. A method may carry several of these.
 */
export function OnSupervisionEvent<T extends SupervisionEventType | '*'>(
  type: T | readonly T[],
  options: OnSupervisionEventOptions = {},
): <M extends (event: SupervisionEventOf<T>) => unknown>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>) => void {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const metadata: SupervisionEventHandlerMetadata = { types: Array.isArray(type) ? [...type] : [type as T], options: { ...options } };
    const existing = getEventHandlerMetadata(method) ?? [];
    Reflect.defineMetadata(EVENT_HANDLER_METADATA, [...existing, metadata], method);
  };
}

export function getEventHandlerMetadata(method: object): readonly SupervisionEventHandlerMetadata[] | undefined {
  return Reflect.getOwnMetadata(EVENT_HANDLER_METADATA, method) as SupervisionEventHandlerMetadata[] | undefined;
}
