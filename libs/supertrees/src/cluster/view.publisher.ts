import type { LoggerService } from '@nestjs/common';
import type { ClusterEvent } from './cluster.events.js';
import type { ClusterKeys } from './cluster.keys.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';
import type { RedisLink } from './redis.link.js';
import { CLUSTER_VIEW_LIMITS, treeRecord } from './view.data.js';

type Command = [string, ...(string | number)[]];

/** Gives this member's tree as JSON-able data (the supervision tree's snapshot). */
export type TreeSource = () => unknown;

/**
 * What one member contributes to the cluster view: its tree snapshot under its tree key, with a
 * TTL of one lease TTL (so a dead member's tree goes with its heartbeat), and its cluster events on
 * the namespace's capped stream. Sent in one pipeline right after each good renewal, so at most once
 * per renewal interval and never one command per unit: SET when the tree changed, PEXPIRE now and
 * then when it did not, one XADD per event since the last flush. Events wait in a bounded buffer
 * while Redis is unreachable.
 */
export class ViewPublisher {
  private source?: TreeSource;
  private events: ClusterEvent[] = [];
  private droppedEvents = 0;
  /** The tree JSON last written, and when (monotonic ms) it was written or its TTL refreshed. */
  private written?: { json: string; at: number };
  private flushing = false;
  private sourceFailed = false;

  constructor(
    private readonly keys: ClusterKeys,
    private readonly memberId: string,
    private readonly ttlMs: number,
    private readonly logger: LoggerService | undefined,
    private readonly context: string,
  ) {}

  setSource(source: TreeSource | undefined): void {
    this.source = source;
    this.written = undefined;
  }

  record(event: ClusterEvent): void {
    this.events.push(event);
    if (this.events.length > CLUSTER_VIEW_LIMITS.eventsBuffered) {
      this.events.shift();
      this.droppedEvents += 1;
    }
  }

  /** Events lost to the buffer's bound during outages. */
  get dropped(): number {
    return this.droppedEvents;
  }

  /** Right after a good renewal. A failure keeps the events for the next one and rewrites the tree then. */
  async flush(link: RedisLink, nowMs: number): Promise<void> {
    if (this.flushing || !link.ready) return;
    this.flushing = true;
    const events = this.events;
    this.events = [];
    const key = this.keys.tree(this.memberId);
    const commands: Command[] = [];
    const json = this.treeJson();
    let written = this.written;
    if (json !== undefined && json !== this.written?.json) {
      commands.push(['set', key, treeRecord(json, Date.now()), 'PX', this.ttlMs]);
      written = { json, at: nowMs };
    } else if (json !== undefined && this.written && nowMs - this.written.at >= this.ttlMs / 3) {
      commands.push(['pexpire', key, this.ttlMs]);
      written = { json, at: nowMs };
    }
    commands.push(...events.map((event) => this.xadd(event)));
    try {
      if (commands.length === 0) return;
      const replies = await link.pipeline(commands, 'view publish');
      // PEXPIRE of a key Redis no longer has (it restarted empty): write the tree again next time.
      this.written = commands[0]![0] === 'pexpire' && replies[0] === 0 ? undefined : written;
    } catch {
      // The renewal's own outage handling reports Redis being away; here only keep what was not sent.
      this.events = [...events, ...this.events].slice(-CLUSTER_VIEW_LIMITS.eventsBuffered);
      this.written = undefined;
    } finally {
      this.flushing = false;
    }
  }

  /** On a clean stop: the last events, and the tree key removed (the member is leaving). */
  async close(link: RedisLink): Promise<void> {
    if (!link.ready) return;
    const commands = this.events.map((event) => this.xadd(event));
    this.events = [];
    commands.push(['del', this.keys.tree(this.memberId)]);
    await link.pipeline(commands, 'view publish').catch(() => undefined);
  }

  private xadd(event: ClusterEvent): Command {
    return ['xadd', this.keys.events, 'MAXLEN', '~', CLUSTER_VIEW_LIMITS.events, '*', 'e', JSON.stringify(event)];
  }

  private treeJson(): string | undefined {
    if (!this.source) return undefined;
    try {
      const json = JSON.stringify(this.source());
      this.sourceFailed = false;
      return json ?? 'null';
    } catch (error) {
      // Logged once per run of failures, not once per renewal.
      if (!this.sourceFailed) this.logger?.error(CLUSTER_MESSAGES.treeUnavailable(error instanceof Error ? error.message : String(error)), error instanceof Error ? error.stack : undefined, this.context);
      this.sourceFailed = true;
      return undefined;
    }
  }
}
