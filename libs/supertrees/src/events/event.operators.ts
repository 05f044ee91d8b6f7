import { filter, type OperatorFunction } from 'rxjs';
import type { SupervisionEvent, SupervisionEventType } from './supervision.events.js';

/** Keeps the events of the given types, narrowing their type (like `@nestjs/cqrs`'s `ofType`). */
export function ofType<T extends SupervisionEventType>(
  ...types: T[]
): OperatorFunction<SupervisionEvent, Extract<SupervisionEvent, { type: T }>> {
  const wanted = new Set<SupervisionEventType>(types);
  return filter((event): event is Extract<SupervisionEvent, { type: T }> => wanted.has(event.type));
}

/** Keeps the events of the node at `path`; with `subtree`, of its descendants too. */
export function ofPath(path: string, options: { subtree?: boolean } = {}): OperatorFunction<SupervisionEvent, SupervisionEvent> {
  const prefix = `${path}/`;
  return filter((event) => event.path === path || (options.subtree === true && event.path.startsWith(prefix)));
}
