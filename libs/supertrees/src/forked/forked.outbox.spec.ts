import { describe, expect, it } from '@jest/globals';
import type { NodeSnapshot } from '../events/snapshot.js';
import { EventStamper } from '../events/event.stamper.js';
import type { ProcessEvent } from '../events/supervision.events.js';
import { EventOutbox, type SendFn } from './forked.outbox.js';
import { EventDecoder } from '../process/event.wire.js';
import type { UpMessage } from '../process/ipc.protocol.js';

const OWN_PID = 4242;
const SUBTREE = 'root/Ingest';

/**
 * A stand-in for `process.send`: `open` accepts and calls back on the next turn, `full` refuses and calls back when `release()`d
 * (a pipe that drains later), `closed` refuses and calls back at once with an error (as Node does
 * for a disconnected channel).
 */
class FakeChannel {
  readonly sent: UpMessage[] = [];
  /** The events of each `events` message as the parent decodes them (with the same path table). */
  readonly batches: ProcessEvent[][] = [];
  private readonly decoder = new EventDecoder(SUBTREE);
  private waiting: ((error: Error | null) => void)[] = [];
  mode: 'open' | 'full' | 'closed' = 'open';

  readonly send: SendFn = (message, done) => {
    this.sent.push(message);
    if (message.t === 'events') {
      expect(this.decoder.addPaths(message.first, message.paths)).toEqual([]);
      // Without the `seq: 0` a decoded event carries for the main process to fill in: not what these tests are about.
      this.batches.push(message.events.map((wire) => withoutSeq(this.decoder.decode(wire) as ProcessEvent & { seq?: number })));
    }
    if (this.mode === 'closed') {
      done(new Error('Channel closed'));
      return false;
    }
    if (this.mode === 'open') {
      // As Node does: the write completes, and calls back, on a later turn.
      setImmediate(() => done(null));
      return true;
    }
    this.waiting.push(done);
    return false;
  };

  /** The pipe drained: calls back every message sent so far. */
  release(): void {
    this.mode = 'open';
    const waiting = this.waiting;
    this.waiting = [];
    waiting.forEach((done) => done(null));
  }

  /** The events of every `events` message, in order. */
  events(): ProcessEvent[] {
    return this.batches.flat();
  }

  batchSizes(): number[] {
    return this.sent.map((m) => (m.t === 'events' ? m.events.length : -1));
  }
}

function withoutSeq({ seq: _seq, ...event }: ProcessEvent & { seq?: number }): ProcessEvent {
  return event as ProcessEvent;
}

const SNAPSHOT: NodeSnapshot = { name: 'Ingest', path: SUBTREE, kind: 'supervisor', state: 'running', restarts: 3 };

function setup(capacity = 10_000, snapshot: () => UpMessage | undefined = () => ({ t: 'snapshot', root: SNAPSHOT })) {
  const channel = new FakeChannel();
  const outbox = new EventOutbox(channel.send, capacity, new EventStamper(OWN_PID), { path: SUBTREE, snapshot });
  return { channel, outbox };
}

let processSeq = 0;
/** An event as a process stamped it; `pid` is the process it came from. */
function event(pid = OWN_PID, path = `${SUBTREE}/Poller`): ProcessEvent {
  processSeq += 1;
  return { type: 'starting', path, kind: 'worker', attempt: 0, pid, processSeq, timestamp: 1_000 };
}
const events = (n: number, pid?: number): ProcessEvent[] => Array.from({ length: n }, () => event(pid));

/** Lets setImmediate callbacks queued so far run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await turn();
  await turn();
  return settled;
}

describe('EventOutbox', () => {
  describe('batching', () => {
    it('sends nothing while events are being pushed', () => {
      const { channel, outbox } = setup();
      events(3).forEach((e) => outbox.push(e));
      expect(channel.sent).toHaveLength(0);
      return outbox.flush();
    });

    it('sends the events pushed in one turn as one message, in order', async () => {
      const { channel, outbox } = setup();
      const pushed = events(3);
      pushed.forEach((e) => outbox.push(e));
      await outbox.flush();
      expect(channel.sent.map((m) => m.t)).toEqual(['events']);
      expect(channel.batches).toEqual([pushed]);
    });

    it('sends each path once per channel, then refers to it by its index in the table', async () => {
      const { channel, outbox } = setup();
      outbox.push(event(OWN_PID, `${SUBTREE}/Poller`));
      await outbox.flush();
      outbox.push(event(OWN_PID, `${SUBTREE}/Poller`));
      outbox.push(event(OWN_PID, `${SUBTREE}/Mailer`));
      await outbox.flush();
      expect(channel.sent).toMatchObject([
        { t: 'events', first: 0, paths: [`${SUBTREE}/Poller`], events: [[0, 0, 0, OWN_PID, expect.any(Number), 1_000, 0]] },
        { t: 'events', first: 1, paths: [`${SUBTREE}/Mailer`], events: [[0, 0, 0, OWN_PID, expect.any(Number), 1_000, 0], [0, 1, 0, 0, 1, 0, 0]] },
      ]);
      expect(channel.events().map((e) => e.path)).toEqual([`${SUBTREE}/Poller`, `${SUBTREE}/Poller`, `${SUBTREE}/Mailer`]);
    });

    it('puts at most 256 events in one message', async () => {
      const { channel, outbox } = setup();
      const pushed = events(600);
      pushed.forEach((e) => outbox.push(e));
      await outbox.flush();
      expect(channel.batchSizes()).toEqual([256, 256, 88]);
      expect(channel.events()).toEqual(pushed);
    });

    it('sends a full batch in the turn its 256th event is pushed, and the rest on the next turn', async () => {
      const { channel, outbox } = setup();
      const pushed = events(300);
      pushed.slice(0, 255).forEach((e) => outbox.push(e));
      expect(channel.sent).toEqual([]);
      pushed.slice(255).forEach((e) => outbox.push(e));
      // Not waiting for the turn to end: the queue a young-generation collection copies stays small.
      expect(channel.batchSizes()).toEqual([256]);
      await outbox.flush();
      expect(channel.batchSizes()).toEqual([256, 44]);
      expect(channel.events()).toEqual(pushed);
    });

    it('does not send a full batch at once while the pipe is full', async () => {
      const { channel, outbox } = setup();
      channel.mode = 'full';
      outbox.push(event());
      await turn();
      expect(channel.batchSizes()).toEqual([1]);
      events(300).forEach((e) => outbox.push(e));
      expect(channel.batchSizes()).toEqual([1]);
      channel.release();
      await outbox.flush();
      expect(channel.batchSizes()).toEqual([1, 256, 44]);
    });

    it('sends events pushed in a later turn in a later message', async () => {
      const { channel, outbox } = setup();
      outbox.push(event());
      await turn();
      outbox.push(event());
      await outbox.flush();
      expect(channel.batchSizes()).toEqual([1, 1]);
    });
  });

  describe('a full pipe', () => {
    it('stops sending once send() reports the pipe is full', async () => {
      const { channel, outbox } = setup();
      channel.mode = 'full';
      events(300).forEach((e) => outbox.push(e));
      await turn();
      outbox.push(event());
      await turn();
      expect(channel.batchSizes()).toEqual([256]);
      channel.release();
      await outbox.flush();
    });

    it('sends the rest, in order, once the channel calls back', async () => {
      const { channel, outbox } = setup();
      channel.mode = 'full';
      const pushed = events(300);
      pushed.forEach((e) => outbox.push(e));
      await turn();
      const later = event();
      outbox.push(later);
      channel.release();
      await outbox.flush();
      expect(channel.batchSizes()).toEqual([256, 45]);
      expect(channel.events()).toEqual([...pushed, later]);
    });

    it('flush() waits until the pipe has drained', async () => {
      const { channel, outbox } = setup();
      channel.mode = 'full';
      outbox.push(event());
      const flushed = outbox.flush();
      expect(await isSettled(flushed)).toBe(false);
      expect(channel.sent).toHaveLength(1);
      channel.release();
      expect(await isSettled(flushed)).toBe(true);
    });

    it('flush() resolves at once when nothing is queued', async () => {
      const { channel, outbox } = setup();
      expect(await isSettled(outbox.flush())).toBe(true);
      expect(channel.sent).toHaveLength(0);
    });

    it('flush() resolves every caller waiting on it', async () => {
      const { outbox } = setup();
      outbox.push(event());
      const results = await Promise.all([outbox.flush(), outbox.flush(), outbox.flush()]);
      expect(results).toEqual([undefined, undefined, undefined]);
    });
  });

  describe('a bounded buffer', () => {
    it('drops the oldest events beyond its capacity and counts them', async () => {
      const { channel, outbox } = setup(3);
      const pushed = events(5);
      pushed.forEach((e) => outbox.push(e));
      await outbox.flush();
      expect(channel.events().filter((e) => e.type !== 'events-dropped')).toEqual(pushed.slice(2));
      // The count is what the parent learns, in the events-dropped report.
      expect(channel.events().find((e) => e.type === 'events-dropped')).toMatchObject({ count: 2 });
    });

    it('reports the drop as an events-dropped event of its own process, first in the next batch', async () => {
      const { channel, outbox } = setup(3);
      events(5, 77).forEach((e) => outbox.push(e));
      await outbox.flush();
      const first = channel.events()[0]!;
      expect(first).toMatchObject({ type: 'events-dropped', path: SUBTREE, kind: 'supervisor', count: 2, originPid: 77, pid: OWN_PID });
      expect(channel.batchSizes()[0]).toBe(4);
    });

    it('reports the drops of each origin process separately', async () => {
      const { channel, outbox } = setup(2);
      [event(1), event(1), event(2), event(3), event(3)].forEach((e) => outbox.push(e));
      await outbox.flush();
      const reports = channel.events().filter((e) => e.type === 'events-dropped');
      expect(reports.map((r) => (r.type === 'events-dropped' ? [r.originPid, r.count] : []))).toEqual([
        [1, 2],
        [2, 1],
      ]);
    });

    it('sends a snapshot of the subtree right after the batch that reports the drop', async () => {
      const { channel, outbox } = setup(1);
      events(2).forEach((e) => outbox.push(e));
      await outbox.flush();
      expect(channel.sent.map((m) => m.t)).toEqual(['events', 'snapshot']);
      expect(channel.sent[1]).toEqual({ t: 'snapshot', root: SNAPSHOT });
    });

    it('reports a drop once: the next batch carries no report and no snapshot', async () => {
      const { channel, outbox } = setup(1);
      events(2).forEach((e) => outbox.push(e));
      await outbox.flush();
      const next = event();
      outbox.push(next);
      await outbox.flush();
      expect(channel.sent).toHaveLength(3);
      expect(channel.batches.slice(1)).toEqual([[next]]);
    });

    it('sends no snapshot message when there is no snapshot to send', async () => {
      const { channel, outbox } = setup(1, () => undefined);
      events(2).forEach((e) => outbox.push(e));
      await outbox.flush();
      expect(channel.sent.map((m) => m.t)).toEqual(['events']);
    });

    it('reports events dropped while the pipe was full once it drains', async () => {
      const { channel, outbox } = setup(3);
      channel.mode = 'full';
      outbox.push(event());
      await turn();
      const waiting = events(5, 55);
      waiting.forEach((e) => outbox.push(e));
      expect(channel.sent).toHaveLength(1);
      channel.release();
      await outbox.flush();
      expect(channel.sent[1]).toMatchObject({ t: 'events' });
      expect(channel.events().slice(1)).toEqual([
        expect.objectContaining({ type: 'events-dropped', count: 2, originPid: 55 }),
        ...waiting.slice(2),
      ]);
      expect(channel.sent[2]).toEqual({ t: 'snapshot', root: SNAPSHOT });
    });
  });

  describe('replies (sendAfterQueued)', () => {
    const reply = (id: number): UpMessage => ({ t: 'reply', id, ok: true });
    const kinds = (channel: FakeChannel) =>
      channel.sent.map((m) => (m.t === 'reply' ? `reply ${m.id}` : m.t === 'events' ? `events ${m.events.length}` : m.t));

    it('sends a reply at once when no event waits', () => {
      const { channel, outbox } = setup();
      outbox.sendAfterQueued(reply(1), () => undefined);
      expect(kinds(channel)).toEqual(['reply 1']);
    });

    it('sends a reply after the events pushed before it, not before their batch', async () => {
      const { channel, outbox } = setup();
      events(2).forEach((e) => outbox.push(e));
      outbox.sendAfterQueued(reply(1), () => undefined);
      expect(channel.sent).toEqual([]);
      await outbox.flush();
      expect(kinds(channel)).toEqual(['events 2', 'reply 1']);
    });

    it('keeps a reply behind its events while the pipe is full (a command outcome never overtakes what preceded it)', async () => {
      const { channel, outbox } = setup();
      channel.mode = 'full';
      const before = events(300);
      before.forEach((e) => outbox.push(e));
      await turn();
      outbox.sendAfterQueued(reply(1), () => undefined);
      const after = event();
      outbox.push(after);
      await turn();
      expect(kinds(channel)).toEqual(['events 256']);
      channel.release();
      await outbox.flush();
      // The batch after the reply's events stops there: an event pushed after the reply does not precede it either.
      expect(kinds(channel)).toEqual(['events 256', 'events 44', 'reply 1', 'events 1']);
      expect(channel.events()).toEqual([...before, after]);
    });

    it('sends a reply after the drop report and the snapshot that stand in for the events dropped before it', async () => {
      const { channel, outbox } = setup(3);
      events(5).forEach((e) => outbox.push(e));
      outbox.sendAfterQueued(reply(1), () => undefined);
      await outbox.flush();
      // The drop report and the 3 events kept, the subtree's snapshot, then the reply.
      expect(kinds(channel)).toEqual(['events 4', 'snapshot', 'reply 1']);
    });

    it('keeps a reply behind the snapshot still owed when the pipe filled right after the drop report', async () => {
      const { channel, outbox } = setup(3);
      events(5).forEach((e) => outbox.push(e));
      channel.mode = 'full';
      await turn();
      // The drop report and the events kept went out and filled the pipe: the queue is empty, the snapshot is owed.
      expect(kinds(channel)).toEqual(['events 4']);
      outbox.sendAfterQueued(reply(1), () => undefined);
      expect(kinds(channel)).toEqual(['events 4']);
      channel.release();
      await outbox.flush();
      expect(kinds(channel)).toEqual(['events 4', 'snapshot', 'reply 1']);
    });

    it('hands a send() that throws to the reply\'s onError, and goes on', async () => {
      const channel = new FakeChannel();
      const send: SendFn = (message, done) => {
        if (message.t === 'reply' && message.id === 1) throw new TypeError('Do not know how to serialize a BigInt');
        return channel.send(message, done);
      };
      const outbox = new EventOutbox(send, 100, new EventStamper(OWN_PID), { path: SUBTREE, snapshot: () => undefined });
      const errors: unknown[] = [];
      outbox.push(event());
      outbox.sendAfterQueued(reply(1), (error) => errors.push(error));
      outbox.sendAfterQueued(reply(2), (error) => errors.push(error));
      await outbox.flush();
      expect(errors).toEqual([new TypeError('Do not know how to serialize a BigInt')]);
      expect(kinds(channel)).toEqual(['events 1', 'reply 2']);
    });
  });

  describe('a closed channel', () => {
    it('does not block: every batch is handed over and flush() resolves', async () => {
      const { channel, outbox } = setup();
      channel.mode = 'closed';
      events(600).forEach((e) => outbox.push(e));
      await outbox.flush();
      expect(channel.batchSizes()).toEqual([256, 256, 88]);
    });

    it('keeps handing over events pushed later', async () => {
      const { channel, outbox } = setup();
      channel.mode = 'closed';
      outbox.push(event());
      await outbox.flush();
      outbox.push(event());
      await outbox.flush();
      expect(channel.batchSizes()).toEqual([1, 1]);
    });
  });
});

describe('EventOutbox before an exit', () => {
  it('flush() waits until every accepted message was written, not only handed over', async () => {
    const channel = new FakeChannel();
    const pending: ((error: Error | null) => void)[] = [];
    // A pipe that accepts (returns true) but completes its writes later.
    const send: SendFn = (message, done) => {
      channel.sent.push(message);
      pending.push(done);
      return true;
    };
    const outbox = new EventOutbox(send, 100, new EventStamper(OWN_PID), { path: SUBTREE, snapshot: () => undefined });
    events(3).forEach((e) => outbox.push(e));
    const flushed = outbox.flush();
    await turn();
    expect(channel.sent).toHaveLength(1);
    expect(await isSettled(flushed)).toBe(false);
    pending.forEach((done) => done(null));
    expect(await isSettled(flushed)).toBe(true);
  });
});
