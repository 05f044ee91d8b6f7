import type { NodeSnapshot } from '../index.js';
import { SupervisionTestingError } from './testing.errors.js';
import { TESTING_MESSAGES } from './testing.messages.js';

/** Every node of a snapshot, depth first, the root first. */
export function* walkSnapshot(node: NodeSnapshot): Generator<NodeSnapshot> {
  yield node;
  for (const child of node.children ?? []) yield* walkSnapshot(child);
}

/** The node at `path` in a snapshot; a {@link SupervisionTestingError} naming the paths there are if there is none. */
export function findNode(root: NodeSnapshot, path: string): NodeSnapshot {
  for (const node of walkSnapshot(root)) if (node.path === path) return node;
  throw new SupervisionTestingError(
    TESTING_MESSAGES.noNode(
      path,
      [...walkSnapshot(root)].map((node) => node.path),
    ),
  );
}
