import type { NodeSnapshot } from '../events/snapshot.js';

/** Every node of a snapshot, parents before children. */
export function* walkSnapshot(node: NodeSnapshot): Generator<NodeSnapshot> {
  yield node;
  for (const child of node.children ?? []) yield* walkSnapshot(child);
}
