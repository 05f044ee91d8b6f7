import type { TreeNode } from '../tree/tree.types.js';
import type {
  ChildAddedEvent,
  ChildRemovedEvent,
  ChildRemovedReason,
  ErrorInfo,
  ExitedEvent,
  FailedEvent,
  GaveUpEvent,
  RestartedEvent,
  RestartScheduledEvent,
  StartedEvent,
  StartingEvent,
  StopReason,
  StoppedEvent,
  StoppingEvent,
} from './supervision.events.js';

/**
 * The events a supervisor raises, each built in one object literal with every field it will ever
 * have. The stamps (`pid`, `processSeq`, `timestamp`) and the main process's `seq` are 0 here and
 * written in place later: an object that gains properties after its literal moves them to a
 * separately allocated, regrown backing store, and changes its hidden class, several times per
 * event and five events per restart. These literals are the hottest allocation of a restart.
 */
export function startingEvent(node: TreeNode, attempt: number): StartingEvent {
  return { type: 'starting', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, attempt };
}

export function startedEvent(node: TreeNode, attempt: number, processPid: number | undefined): StartedEvent {
  // `processPid` only when there is one: `'processPid' in event` says the node runs in a process of its own.
  return processPid
    ? { type: 'started', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, attempt, processPid }
    : { type: 'started', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, attempt };
}

export function restartedEvent(node: TreeNode, attempt: number, downtimeMs: number): RestartedEvent {
  return { type: 'restarted', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, attempt, downtimeMs };
}

export function exitedEvent(node: TreeNode, attempt: number, ranForMs: number): ExitedEvent {
  return { type: 'exited', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, attempt, ranForMs };
}

export function failedEvent(
  node: TreeNode,
  attempt: number,
  error: ErrorInfo,
  phase: FailedEvent['phase'],
  ranForMs: number,
): FailedEvent {
  return { type: 'failed', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, attempt, error, phase, ranForMs };
}

export function restartScheduledEvent(node: TreeNode, attempt: number, delayMs: number, cause: string): RestartScheduledEvent {
  return { type: 'restart-scheduled', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, attempt, delayMs, cause };
}

export function gaveUpEvent(node: TreeNode, reason: GaveUpEvent['reason'], restarts: number): GaveUpEvent {
  return { type: 'gave-up', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, reason, restarts };
}

export function stoppingEvent(node: TreeNode, reason: StopReason): StoppingEvent {
  return { type: 'stopping', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, reason };
}

export function stoppedEvent(node: TreeNode, reason: StopReason, timedOut: boolean): StoppedEvent {
  return { type: 'stopped', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, reason, timedOut };
}

export function childAddedEvent(node: TreeNode, id: string | undefined, instance: number | undefined): ChildAddedEvent {
  return { type: 'child-added', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, id, instance };
}

export function childRemovedEvent(node: TreeNode, reason: ChildRemovedReason): ChildRemovedEvent {
  return { type: 'child-removed', path: node.path, kind: node.kind, seq: 0, pid: 0, processSeq: 0, timestamp: 0, reason };
}
