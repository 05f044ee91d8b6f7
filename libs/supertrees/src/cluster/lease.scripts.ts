import { createHash } from 'node:crypto';

/**
 * The Lua scripts the cluster layer runs in Redis. Each is atomic there. They read the time from
 * Redis (`TIME`), never from a replica, and return only numbers and short strings that the caller
 * validates; nothing read from Redis is ever executed by a replica.
 */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha1: string;
}

function script(name: string, source: string): LuaScript {
  return { name, source, sha1: createHash('sha1').update(source).digest('hex') };
}

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * The one command a replica sends per renewal interval, however many leases it holds.
 * KEYS: members, memberInfo, then the lease key of every unit it holds.
 * ARGV: memberId, memberInfo JSON, ttlMs, the address its direct call channel listens on as JSON
 * `{"host","port"}` ('' without one), then the token it holds each of those leases with.
 * Heartbeat (member expiry = now + ttl; info stored as {"seen": now, "info": ..., "calls"?: address}), prune expired members, renew each lease that is still
 * this member's with that token (PEXPIRE ttl), and return { now, live member ids, 1/0 per lease }.
 */
export const TICK = script(
  'tick',
  `${NOW}
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
local calls = ''
if ARGV[4] ~= '' then calls = ',"calls":' .. ARGV[4] end
redis.call('HSET', KEYS[2], ARGV[1], '{"seen":' .. now .. ',"info":' .. ARGV[2] .. calls .. '}')
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, m in ipairs(gone) do redis.call('HDEL', KEYS[2], m) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local renewed = {}
for i = 3, #KEYS do
  local held = redis.call('HMGET', KEYS[i], 'owner', 'token')
  if held[1] == ARGV[1] and tonumber(held[2]) == tonumber(ARGV[i + 2]) then
    redis.call('PEXPIRE', KEYS[i], ttl)
    renewed[#renewed + 1] = 1
  else
    renewed[#renewed + 1] = 0
  end
end
return { now, redis.call('ZRANGE', KEYS[1], 0, -1), renewed }`,
);

/**
 * Try to take a unit's lease. KEYS: lease, fence. ARGV: memberId, ttlMs.
 * A unit whose fence record is missing (never used, or Redis lost its data) is granted only one TTL
 * after the record is (re)created, so a holder that Redis forgot has stopped by then. The new token
 * is max(last + 1, Redis time in ms): it grows with every grant, and still grows after Redis lost
 * the fence record, as long as Redis's clock does not go back.
 * Returns { 'granted', token, now } | { 'held', pttl, owner, token } | { 'wait', ms }.
 * A lease already held by this same member is granted again with a new token (its earlier
 * incarnation is gone: the member lost track of it, e.g. a renewal that timed out but was applied).
 */
export const ACQUIRE = script(
  'acquire',
  `${NOW}
local ttl = tonumber(ARGV[2])
local fence = redis.call('HMGET', KEYS[2], 'token', 'born')
if not fence[2] then
  redis.call('HSET', KEYS[2], 'token', fence[1] or 0, 'born', now)
  return { 'wait', ttl }
end
local born = tonumber(fence[2])
if now < born + ttl then return { 'wait', born + ttl - now } end
local held = redis.call('HMGET', KEYS[1], 'owner', 'token')
if held[1] and held[1] ~= ARGV[1] then
  return { 'held', redis.call('PTTL', KEYS[1]), held[1], held[2] or '' }
end
local token = math.max((tonumber(fence[1]) or 0) + 1, now)
redis.call('HSET', KEYS[2], 'token', token)
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ttl)
return { 'granted', token, now }`,
);

/** Give a lease back, only if it is still this member's with this token. KEYS: lease. ARGV: memberId, token. Returns 1 or 0. */
export const RELEASE = script(
  'release',
  `local held = redis.call('HMGET', KEYS[1], 'owner', 'token')
if held[1] == ARGV[1] and tonumber(held[2]) == tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`,
);

/** Leave the membership at once (rather than at heartbeat expiry). KEYS: members, memberInfo. ARGV: memberId. */
export const LEAVE = script(
  'leave',
  `redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`,
);

/**
 * The cluster view: members with their expiry and info, and every given unit's lease.
 * KEYS: members, memberInfo, then lease and fence of each unit, alternating. Returns
 * { now, { id, expiry, info }..., { owner|'', token|'', pttl, fenceToken|'' }... }.
 */
export const VIEW = script(
  'view',
  `${NOW}
local members = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf', 'WITHSCORES')
local out = {}
for i = 1, #members, 2 do
  out[#out + 1] = { members[i], members[i + 1], redis.call('HGET', KEYS[2], members[i]) or '' }
end
local leases = {}
for i = 3, #KEYS, 2 do
  local held = redis.call('HMGET', KEYS[i], 'owner', 'token')
  leases[#leases + 1] = { held[1] or '', held[2] or '', redis.call('PTTL', KEYS[i]), redis.call('HGET', KEYS[i + 1], 'token') or '' }
end
return { now, out, leases }`,
);

/**
 * A routed call's lookup, in one round trip: the unit's holder and that member's heartbeat record
 * (where its direct call channel listens). KEYS: lease, memberInfo. Returns false (nobody holds it)
 * or { owner, record | '' }. The caller validates both; an address is data, never run.
 */
export const LOOKUP = script(
  'lookup',
  `local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return false end
return { owner, redis.call('HGET', KEYS[2], owner) or '' }`,
);

/**
 * The namespace's secret for direct call channels: created by the first replica that asks (SET NX),
 * read by every other. KEYS: the secret key. ARGV: a fresh random secret. Returns the one in force.
 */
export const CALLS_SECRET = script(
  'calls-secret',
  `redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])`,
);
