import { Supervisor } from '#supertrees';

/**
 * One worker per tenant, created at run time: a dynamic supervisor in its own process. If that
 * process dies, it comes back with every tenant's worker (restoreChildren, the default).
 */
@Supervisor({ dynamic: true, maxChildren: 100, maxRestarts: 20, withinMs: 10_000 })
export class TenantsSupervisor {}
