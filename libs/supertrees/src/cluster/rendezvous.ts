/**
 * Rendezvous (highest-random-weight) hashing: a unit goes to the member with the highest
 * weight(member, unit). Every replica computes the same answer from the same member list, and when
 * a member joins or leaves only the units it wins or held move: the others keep their maximum.
 * Pure; no I/O.
 */

/** A 53-bit string hash (cyrb53): well mixed, fast, the same on every replica. */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The member that owns `unitId` among `members`, or undefined when there is none. Ties go to the smaller id. */
export function ownerOf(unitId: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const member of members) {
    const weight = hash53(`${member}\u0000${unitId}`);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && member < best)) {
      best = member;
      bestWeight = weight;
    }
  }
  return best;
}

/** unit id -> owner, for every unit id. */
export function assign(unitIds: readonly string[], members: readonly string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const id of unitIds) out.set(id, ownerOf(id, members));
  return out;
}
