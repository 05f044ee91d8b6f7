import type { SupervisionEvent, SupervisionEventType } from '../index.js';

/** The events a test waits for: by type, by path (with `subtree`, its descendants too), by a predicate. */
export interface EventMatch<
  T extends SupervisionEventType = SupervisionEventType,
> {
  /** One type or several. Default: any. */
  readonly type?: T | readonly T[];
  /** The node's path (`root/…/Name`). Default: any. */
  readonly path?: string;
  /** With `path`: the events of its descendants match too. Default `false`. */
  readonly subtree?: boolean;
  /** A further condition on the event. */
  readonly where?: (event: Extract<SupervisionEvent, { type: T }>) => boolean;
}

/** The events a match selects, with their type narrowed. */
export type MatchedEvent<T extends SupervisionEventType> = Extract<
  SupervisionEvent,
  { type: T }
>;

export function matches<T extends SupervisionEventType>(
  match: EventMatch<T>,
  event: SupervisionEvent,
): event is MatchedEvent<T> {
  if (match.type !== undefined) {
    const types: readonly SupervisionEventType[] =
      typeof match.type === 'string' ? [match.type] : match.type;
    if (!types.includes(event.type)) return false;
  }
  if (match.path !== undefined && event.path !== match.path) {
    if (match.subtree !== true || !event.path.startsWith(`${match.path}/`))
      return false;
  }
  return match.where === undefined || match.where(event as MatchedEvent<T>);
}

/** The match in words, for an error message: `a "restarted" event at root/Feed`. */
export function describeMatch<T extends SupervisionEventType>(
  match: EventMatch<T>,
  count = 1,
): string {
  const types: readonly SupervisionEventType[] =
    match.type === undefined
      ? []
      : typeof match.type === 'string'
        ? [match.type]
        : match.type;
  const what =
    types.length === 0
      ? 'event'
      : `${types.map((t) => `"${t}"`).join(' or ')} event`;
  const where =
    match.path === undefined
      ? ''
      : ` at ${match.path}${match.subtree === true ? ' (or below)' : ''}`;
  const extra = match.where ? ' that satisfies `where`' : '';
  return `${count === 1 ? `a ${what}` : `${count} ${what}s`}${where}${extra}`;
}
