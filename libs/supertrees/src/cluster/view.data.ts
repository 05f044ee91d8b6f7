import { checkData, MAX_DATA_DEPTH } from '../shared/message.data.js';
import { ClusterDataError } from './cluster.errors.js';
import { CLUSTER_EVENT_TYPES, type ClusterEvent } from './cluster.events.js';
import { MEMBER_ID_PATTERN } from './cluster.options.js';
import { parseUnitId } from './cluster.wire.js';

/** The bounds of what members publish for the cluster view. */
export const CLUSTER_VIEW_LIMITS = {
  /** A tree snapshot larger than this as JSON is published as a `truncated` marker instead. */
  treeBytes: 262_144,
  /** The event stream is capped near this many entries (XADD MAXLEN ~). */
  events: 1_000,
  /** The view reads at most this many of the latest events. */
  eventsRead: 200,
  /** Events a member keeps while Redis is unreachable; the oldest go first. */
  eventsBuffered: 1_000,
} as const;

/** A member's tree as it last published it. */
export interface MemberTree {
  readonly member: string;
  /** The member's wall-clock time of the snapshot, ms since the epoch. */
  readonly at: number;
  /** The snapshot (the supervision tree's `NodeSnapshot`, as JSON data); absent when truncated. */
  readonly tree?: unknown;
  /** Set instead of `tree` when the snapshot was larger than `CLUSTER_VIEW_LIMITS.treeBytes`: its size. */
  readonly truncatedBytes?: number;
}

/** What a member writes under its tree key: `{ v: 1, at, tree }` or `{ v: 1, at, truncated: bytes }`. */
export function treeRecord(treeJson: string, at: number): string {
  return treeJson.length > CLUSTER_VIEW_LIMITS.treeBytes
    ? JSON.stringify({ v: 1, at, truncated: treeJson.length })
    : `{"v":1,"at":${at},"tree":${treeJson}}`;
}

const bad = (what: string, detail: string): never => {
  throw new ClusterDataError(what, detail);
};
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** A member's tree record as read; null (no key: expired, or never written) gives undefined. */
export function parseTree(member: string, text: unknown): MemberTree | undefined {
  const what = `the tree of member ${member}`;
  if (text === null) return undefined;
  if (typeof text !== 'string' || text.length > CLUSTER_VIEW_LIMITS.treeBytes + 64) return bad(what, typeof text === 'string' ? `${text.length} characters` : typeof text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad(what, 'not JSON');
  }
  if (!isRecord(value) || value.v !== 1 || !isCount(value.at)) return bad(what, 'not { v: 1, at, tree | truncated }');
  if (value.truncated !== undefined) {
    return isCount(value.truncated) ? { member, at: value.at, truncatedBytes: value.truncated } : bad(what, 'truncated is not a size');
  }
  const problem = checkData(value.tree, CLUSTER_VIEW_LIMITS.treeBytes, 'tree');
  if (problem) bad(what, `${problem.field} ${problem.problem} (depth limit ${MAX_DATA_DEPTH})`);
  return { member, at: value.at, tree: value.tree };
}

/** XREVRANGE's reply (newest first) as events, oldest first; each entry is `[id, ['e', json]]`. */
export function parseEvents(reply: unknown): ClusterEvent[] {
  if (!Array.isArray(reply)) return bad('the event stream', 'not an array');
  return reply.map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2 || !Array.isArray(entry[1]) || entry[1].length !== 2 || entry[1][0] !== 'e') {
      return bad('the event stream', `entry ${i} is not [id, ['e', json]]`);
    }
    return parseEvent(entry[1][1]);
  }).reverse();
}

/** One event as a member wrote it: checked field by field and rebuilt from the checked fields only. */
export function parseEvent(json: unknown): ClusterEvent {
  const what = 'a cluster event';
  if (typeof json !== 'string' || json.length > 4_096) return bad(what, typeof json === 'string' ? `${json.length} characters` : typeof json);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return bad(what, 'not JSON');
  }
  if (!isRecord(value)) return bad(what, 'not an object');
  const { type, seq, timestamp, memberId } = value;
  if (typeof type !== 'string' || !(CLUSTER_EVENT_TYPES as readonly string[]).includes(type)) return bad(what, `type ${String(type)}`);
  if (!isCount(seq) || !isCount(timestamp)) return bad(what, 'seq or timestamp is not a count');
  if (typeof memberId !== 'string' || !MEMBER_ID_PATTERN.test(memberId)) return bad(what, 'memberId');
  const base = { seq, timestamp, memberId };
  if (type === 'member-joined' || type === 'member-left') {
    if (typeof value.member !== 'string' || !MEMBER_ID_PATTERN.test(value.member)) return bad(what, 'member');
    return { type, ...base, member: value.member };
  }
  const ref = typeof value.unit === 'string' ? parseUnitId(value.unit) : undefined;
  if (!ref || ref.partition !== value.partition) return bad(what, 'unit or partition');
  if (!isCount(value.token) || value.token === 0) return bad(what, 'token');
  const lease = { ...base, unit: ref.id, ...(ref.partition === undefined ? {} : { partition: ref.partition }), token: value.token };
  if (type === 'lease-acquired') return { type, ...lease };
  if (type === 'lease-lost') {
    if (value.cause !== 'expired' && value.cause !== 'taken') return bad(what, 'cause');
    return { type, ...lease, cause: value.cause };
  }
  const reason = value.reason;
  if (reason !== 'handoff' && reason !== 'shutdown' && reason !== 'start-failed') return bad(what, 'reason');
  return { type: 'lease-released', ...lease, reason };
}
