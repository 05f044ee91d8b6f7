import { ClusterDataError } from './cluster.errors.js';
import type { ClusterEvent } from './cluster.events.js';
import type { MemberInfo } from '../interfaces/cluster.interface.js';
import { HOST_PATTERN, MEMBER_ID_PATTERN } from './cluster.options.js';
import type { MemberTree } from './view.data.js';

/**
 * Checks every reply of the Lua scripts before the node uses it: shapes, number ranges, ids.
 * Garbage (another program writing under our namespace, a corrupted key) becomes a
 * `ClusterDataError` naming what was wrong; nothing read is ever evaluated.
 */

export interface TickReply {
  readonly now: number;
  readonly members: readonly string[];
  readonly renewed: readonly boolean[];
}

export type AcquireReply =
  | { readonly kind: 'granted'; readonly token: number; readonly now: number }
  | { readonly kind: 'held'; readonly pttl: number; readonly owner: string; readonly token: number | undefined }
  | { readonly kind: 'wait'; readonly ms: number };

export interface MemberView {
  readonly id: string;
  /** Redis time (ms since the epoch) of its last heartbeat. */
  readonly lastSeenAt: number;
  /** Redis time (ms since the epoch) at which its heartbeat expires. */
  readonly expiresAt: number;
  readonly info: MemberInfo;
}

export interface LeaseView {
  /** The unit's lease id: `name` or `name#partition`. */
  readonly unit: string;
  readonly name: string;
  readonly partition?: number;
  /** Null when nobody holds it. */
  readonly holder: string | null;
  readonly token: number | null;
  /** Redis time at which it expires unless renewed; null when nobody holds it. */
  readonly expiresAt: number | null;
  /** The last token ever granted for the unit (0 if none yet). */
  readonly lastToken: number;
}

/** The cluster as Redis has it now: plain data. */
export interface ClusterView {
  /** Redis time of the reading, ms since the epoch. */
  readonly at: number;
  readonly members: readonly MemberView[];
  readonly leases: readonly LeaseView[];
  /** Each live member's tree as it last published it (members that publish none are left out). */
  readonly trees: readonly MemberTree[];
  /** The latest cluster events of every member, oldest first (at most `CLUSTER_VIEW_LIMITS.eventsRead`). */
  readonly events: readonly ClusterEvent[];
}

/** Members and leases: what the view script returns. */
export type LeaseTable = Omit<ClusterView, 'trees' | 'events'>;

const bad = (what: string, detail: string): never => {
  throw new ClusterDataError(what, detail);
};

function int(value: unknown, what: string, min = 0): number {
  const n = typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) bad(what, `expected an integer >= ${min}, got ${describe(value)}`);
  return n as number;
}

function memberId(value: unknown, what: string): string {
  if (typeof value !== 'string' || !MEMBER_ID_PATTERN.test(value)) bad(what, `expected a member id, got ${describe(value)}`);
  return value as string;
}

function array(value: unknown, what: string, length?: number): unknown[] {
  if (!Array.isArray(value) || (length !== undefined && value.length !== length)) {
    bad(what, `expected an array${length === undefined ? '' : ` of ${length}`}, got ${describe(value)}`);
  }
  return value as unknown[];
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? `array(${value.length})` : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function parseTick(reply: unknown, leases: number): TickReply {
  const [now, members, renewed] = array(reply, 'tick', 3);
  return {
    now: int(now, 'tick: Redis time'),
    members: array(members, 'tick: members').map((m, i) => memberId(m, `tick: members[${i}]`)),
    renewed: array(renewed, 'tick: renewed', leases).map((r, i) => (r === 1 ? true : r === 0 ? false : bad(`tick: renewed[${i}]`, describe(r)))),
  };
}

export function parseAcquire(reply: unknown): AcquireReply {
  const parts = array(reply, 'acquire');
  switch (parts[0]) {
    case 'granted':
      array(parts, 'acquire (granted)', 3);
      return { kind: 'granted', token: int(parts[1], 'acquire: token', 1), now: int(parts[2], 'acquire: Redis time') };
    case 'held':
      array(parts, 'acquire (held)', 4);
      return {
        kind: 'held',
        // -1: held without expiry, which this library never writes; -2: gone meanwhile.
        pttl: int(parts[1], 'acquire: pttl', -2),
        owner: typeof parts[2] === 'string' && parts[2].length <= 200 ? parts[2] : bad('acquire: owner', describe(parts[2])),
        token: parts[3] === '' ? undefined : int(parts[3], 'acquire: token', 0),
      };
    case 'wait':
      array(parts, 'acquire (wait)', 2);
      return { kind: 'wait', ms: int(parts[1], 'acquire: wait') };
    default:
      return bad('acquire', `unknown reply kind ${describe(parts[0])}`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A member's heartbeat record, `{ "seen": <Redis ms>, "info": { flat fields } }`, as the tick script writes it. */
export function parseMemberInfo(json: unknown, member: string): { seen: number; info: MemberInfo } {
  const what = `member ${member} info`;
  if (typeof json !== 'string' || json.length > 4096) return bad(what, describe(json));
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return bad(what, `not JSON: ${describe(json)}`);
  }
  if (!isRecord(value) || !isRecord(value.info)) return bad(what, 'not { seen, info }');
  const seen = int(value.seen, `${what}: seen`);
  for (const [key, field] of Object.entries(value.info)) {
    if (!['string', 'number', 'boolean'].includes(typeof field)) bad(`${what}.${key}`, describe(field));
  }
  return { seen, info: value.info as MemberInfo };
}

/** Where a member's direct call channel listens, as its heartbeat record carries it. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** The lookup script's reply: nobody (undefined), or the holder and where its direct channel listens (if it has one). */
export function parseLookup(reply: unknown, unit: string): { owner: string; address: PeerAddress | undefined } | undefined {
  if (reply === null) return undefined;
  const [owner, record] = array(reply, `lookup of ${unit}`, 2);
  const member = memberId(owner, `the lease of ${unit}: owner`);
  if (record === '') return { owner: member, address: undefined };
  // Parsed as the view parses it (the same checks), then the address field.
  parseMemberInfo(record, member);
  const calls = (JSON.parse(record as string) as { calls?: unknown }).calls;
  if (calls === undefined) return { owner: member, address: undefined };
  const what = `member ${member} calls address`;
  if (!isRecord(calls) || typeof calls.host !== 'string' || !HOST_PATTERN.test(calls.host)) return bad(what, describe(calls));
  const port = int(calls.port, `${what}: port`, 1);
  if (port > 65_535) bad(`${what}: port`, describe(port));
  return { owner: member, address: { host: calls.host, port } };
}

export function parseView(reply: unknown, units: readonly { id: string; name: string; partition?: number }[]): LeaseTable {
  const [now, members, leases] = array(reply, 'view', 3);
  const at = int(now, 'view: Redis time');
  const memberViews = array(members, 'view: members').map((entry, i) => {
    const [id, score, info] = array(entry, `view: members[${i}]`, 3);
    const member = memberId(id, `view: members[${i}].id`);
    const { seen, info: fields } = parseMemberInfo(info, member);
    return { id: member, lastSeenAt: seen, expiresAt: int(score, `view: member ${member} expiry`, 1), info: fields };
  });
  const leaseViews = array(leases, 'view: leases', units.length).map((entry, i): LeaseView => {
    const unit = units[i]!;
    const [owner, token, pttl, lastToken] = array(entry, `view: leases[${i}]`, 4);
    const held = owner !== '';
    const ttl = int(pttl, `view: ${unit.id} pttl`, -2);
    return {
      unit: unit.id,
      name: unit.name,
      ...(unit.partition === undefined ? {} : { partition: unit.partition }),
      holder: held ? memberId(owner, `view: ${unit.id} holder`) : null,
      token: held ? int(token, `view: ${unit.id} token`, 1) : null,
      expiresAt: held && ttl >= 0 ? at + ttl : null,
      lastToken: lastToken === '' ? 0 : int(lastToken, `view: ${unit.id} last token`),
    };
  });
  return { at, members: memberViews, leases: leaseViews };
}
