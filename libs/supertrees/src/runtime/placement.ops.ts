import { InvalidChildSpecError } from '../errors/child-control.error.js';
import type { StopReason } from '../events/supervision.events.js';
import { parentPath } from '../tree/tree.types.js';
import type { RequestRouter } from './request.router.js';
import type { TreeHost } from './tree.host.js';
import type { UnitGrant } from './unit.leases.js';

/**
 * Cluster mode's request operations: the main process (which holds the leases in Redis) tells the
 * process that runs a placed node to start it under a lease, to stop it, and, once per renewal
 * interval, how long each lease it holds has left. Each is addressed by path, so the request channel
 * takes it hop by hop to the right process, as it takes commands and calls.
 */
export const PLACEMENT_OPS = {
  /** To the placed node's supervisor: hold this lease and start the node. Payload: a {@link UnitGrant}. */
  unitStart: 'unitStart',
  /** To the placed node's supervisor: stop the node and drop its lease. Payload: `{ unit, reason }`. */
  unitStop: 'unitStop',
  /** To a process (by its supervisor's path): the leases it holds were renewed. Payload: `{ units: UnitGrant[] }`. */
  unitsRenewed: 'unitsRenewed',
} as const;

/** The stop reasons a lease ending gives a placed node. */
export const UNIT_STOP_REASONS: readonly StopReason[] = ['lease-lost', 'handoff', 'shutdown'];

export function registerPlacement(router: RequestRouter): void {
  router.register(PLACEMENT_OPS.unitStart, async (request, host) => {
    const grant = checkGrant(request.payload);
    const leases = needLeases(host);
    leases.grant(grant);
    // Its supervisor restarting (or not started yet) starts it from the lease when it comes up.
    const runtime = host.runtimeAt(parentPath(grant.unit));
    if (runtime?.hasChild(grant.unit)) await runtime.startUnit(grant.unit);
    return null;
  });
  router.register(PLACEMENT_OPS.unitStop, async (request, host) => {
    const { unit, reason } = (request.payload ?? {}) as { unit?: unknown; reason?: unknown };
    if (typeof unit !== 'string') throw new InvalidChildSpecError('unit', 'must be a path');
    if (!UNIT_STOP_REASONS.includes(reason as StopReason)) throw new InvalidChildSpecError('reason', `must be one of ${UNIT_STOP_REASONS.join(', ')}`);
    needLeases(host).revoke(unit);
    await host.runtimeAt(parentPath(unit))?.stopUnit(unit, reason as StopReason);
    return null;
  });
  router.register(PLACEMENT_OPS.unitsRenewed, (request, host) => {
    const units = (request.payload as { units?: unknown } | undefined)?.units;
    if (!Array.isArray(units)) throw new InvalidChildSpecError('units', 'must be an array');
    const leases = needLeases(host);
    for (const raw of units) {
      const grant = checkGrant(raw);
      // Its deadline may have passed here before the renewal came (this process or the channel was
      // slow), yet the lease is still this replica's: hold it again, and start the node again.
      if (!leases.extend(grant.unit, grant.fencingToken, grant.remainingMs)) leases.grant(grant);
      const runtime = host.runtimeAt(parentPath(grant.unit));
      if (runtime?.isParked(grant.unit)) void runtime.startUnit(grant.unit).catch(() => undefined);
    }
    return null;
  });
}

function needLeases(host: TreeHost) {
  if (!host.leases) throw new InvalidChildSpecError('cluster', 'this process runs no cluster leases');
  return host.leases;
}

export function checkGrant(value: unknown): UnitGrant {
  const g = value as Partial<UnitGrant> | undefined;
  if (typeof g?.unit !== 'string' || g.unit.length === 0) throw new InvalidChildSpecError('unit', 'must be a path');
  if (!Number.isSafeInteger(g.fencingToken) || g.fencingToken! < 0) throw new InvalidChildSpecError('fencingToken', 'must be a whole number');
  if (g.partition !== undefined && (!Number.isInteger(g.partition) || g.partition < 0)) throw new InvalidChildSpecError('partition', 'must be a whole number');
  if (typeof g.remainingMs !== 'number' || !Number.isFinite(g.remainingMs)) throw new InvalidChildSpecError('remainingMs', 'must be a number');
  return { unit: g.unit, fencingToken: g.fencingToken!, ...(g.partition === undefined ? {} : { partition: g.partition }), remainingMs: g.remainingMs };
}
