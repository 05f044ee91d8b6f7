import type { GaveUpEvent, NodeSnapshot, SupervisionEvent } from '#supertrees';

const SYMBOL: Record<SupervisionEvent['type'], string> = {
  starting: '…',
  started: '●',
  restarted: '↺',
  exited: '○',
  failed: '✖',
  'restart-scheduled': '⏱',
  'gave-up': '⊘',
  stopping: '◌',
  stopped: '■',
  escalated: '⇑',
  'tree-failed': '☠',
  'events-dropped': '⚠',
  'protocol-error': '⚠',
  'child-added': '+',
  'child-removed': '−',
  'lease-acquired': '⚿',
  'lease-lost': '⚠',
  'lease-released': '⚐',
  'member-joined': '⊕',
  'member-left': '⊖',
};

const GAVE_UP_BECAUSE: Record<GaveUpEvent['reason'], string> = {
  policy: 'its restart policy says no more',
  intensity: 'restart intensity exceeded',
  config: 'it cannot start as configured',
};

/** One readable line per event: time, what, where, and the detail that matters for that event. */
export function formatEvent(event: SupervisionEvent, previousPid?: number): string {
  const time = new Date(event.timestamp).toISOString().slice(11, 23);
  const head = `${time}  ${SYMBOL[event.type]} ${event.type.padEnd(17)} ${event.path}`;
  switch (event.type) {
    case 'started':
      return event.processPid
        ? `${head}  in pid ${event.processPid}${previousPid && previousPid !== event.processPid ? ` (replaces pid ${previousPid})` : ''}`
        : `${head}  (pid ${event.pid}${event.attempt ? `, attempt ${event.attempt}` : ''})`;
    case 'restarted':
      return `${head}  after ${Math.round(event.downtimeMs)} ms down (restart #${event.attempt})`;
    case 'failed':
      return `${head}  ${event.error.message} [${event.phase}, ran ${Math.round(event.ranForMs)} ms]`;
    case 'exited':
      return `${head}  ran ${Math.round(event.ranForMs)} ms`;
    case 'restart-scheduled':
      return `${head}  in ${event.delayMs} ms${event.cause !== event.path ? ` (because ${event.cause} failed)` : ''}`;
    case 'gave-up':
      return `${head}  ${GAVE_UP_BECAUSE[event.reason]}`;
    case 'stopping':
    case 'stopped':
      return `${head}  (${event.reason}${event.type === 'stopped' && event.timedOut ? ', timed out' : ''})`;
    case 'escalated':
    case 'tree-failed':
      return `${head}  ${event.error.message}`;
    case 'events-dropped':
      return `${head}  ${event.count} events of pid ${event.originPid} dropped`;
    case 'protocol-error':
      return `${head}  from pid ${event.fromPid}: ${event.detail}`;
    case 'lease-acquired':
      return `${head}  by ${event.member}, token ${event.token}`;
    case 'lease-lost':
      return `${head}  by ${event.member}, token ${event.token} (${event.cause})`;
    case 'lease-released':
      return `${head}  by ${event.member}, token ${event.token} (${event.reason})`;
    case 'member-joined':
    case 'member-left':
      return `${head}  ${event.member}`;
    default:
      return head;
  }
}

/** The tree as an indented outline with state, pid, restarts and uptime. */
export function formatTree(node: NodeSnapshot, prefix = '', last = true, top = true): string[] {
  const branch = top ? '' : last ? '└─ ' : '├─ ';
  const facts = [
    node.state,
    node.pid !== undefined && node.kind === 'supervisor' ? `pid ${node.pid}` : undefined,
    node.strategy ? node.strategy : undefined,
    node.restarts ? `${node.restarts} restarts` : undefined,
    node.uptimeMs !== undefined ? `up ${(node.uptimeMs / 1000).toFixed(1)} s` : undefined,
    node.lastError && node.state !== 'running' ? `last error: ${node.lastError.message}` : undefined,
  ].filter(Boolean);
  const lines = [`${prefix}${branch}${node.name}  ${facts.join(' · ')}`];
  const children = node.children ?? [];
  const childPrefix = top ? '' : prefix + (last ? '   ' : '│  ');
  children.forEach((child, i) => lines.push(...formatTree(child, childPrefix, i === children.length - 1, false)));
  return lines;
}
