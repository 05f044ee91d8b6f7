// Replicas of the cluster tests as real processes (compiled fixture), and waiting on what they report.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import { LEDGER_KEYS } from '../fixtures/cluster-ledger.js';
import { ProcessCensus, type SeenProcess } from './process-census.js';
import { RedisServer } from './redis-server.js';

// Compiled (dist/test/helpers) it sits next to the fixture; as a source under Jest it points into dist/.
const fixture = (name: string) =>
  fileURLToPath(new URL(import.meta.url.includes('/dist/test/') ? `../fixtures/${name}` : `../../dist/test/fixtures/${name}`, import.meta.url));
const SCRIPT = fixture('cluster-replica.js');
/** A Nest app in cluster mode (SupervisionModule.forRoot({ cluster })), as a replica: see fixtures/cluster-app.ts. */
export const CLUSTER_APP = fixture('cluster-app.js');
/** An `EVT {json}` line, printed by the replica itself or by one of its supervisor processes (prefixed `[path pid] `). */
const EVT_LINE = /^(?:\[[^\]]*\] )?EVT (\{.*\})$/;

export interface ReplicaEvent {
  e: string;
  at: number;
  member: string;
  unit?: string;
  token?: number;
  reason?: string;
  cause?: string;
  [key: string]: unknown;
}

/** How a call made by a Nest app replica ended (its `reply` line): `ms` from the call to the outcome, on the replica's clock. */
export interface CallOutcome extends ReplicaEvent {
  ok: boolean;
  /** The reply, when `ok`. */
  reply?: { member: string; partition?: number; token: number };
  /** The error's class name, when not `ok`. */
  name?: string;
  message?: string;
  ms: number;
}

export class Replica {
  readonly events: ReplicaEvent[] = [];
  readonly output: string[] = [];
  readonly exited: Promise<void>;
  private alive = true;
  private calls = 0;
  private readonly proc: ChildProcess;

  constructor(
    readonly id: string,
    env: Record<string, string>,
    /** The replica's script: the bare ClusterNode fixture by default, or {@link CLUSTER_APP}. */
    script: string = SCRIPT,
  ) {
    this.proc = spawn(process.execPath, [script], {
      // Not a supervisor process of the test runner's tree, whatever the runner's environment says.
      env: { ...process.env, ...env, MEMBER_ID: id, NO_COLOR: '1', NESTJS_SUPERTREES_CHILD: '' },
      // stdin: calls for a Nest app replica (see fixtures/cluster-app.ts); the bare replica reads none.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.proc.stdout!, crlfDelay: Infinity }).on('line', (line) => {
      const evt = EVT_LINE.exec(line);
      if (evt) this.events.push(JSON.parse(evt[1]!) as ReplicaEvent);
      else this.output.push(line);
    });
    createInterface({ input: this.proc.stderr!, crlfDelay: Infinity }).on('line', (line) => this.output.push(`stderr: ${line}`));
    // A replica killed while the test writes to it: the write fails, the call reports the replica gone.
    this.proc.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
    void this.exited.then(() => (this.alive = false));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return this.alive;
  }

  async ready(timeoutMs = 30_000): Promise<void> {
    await waitFor(() => this.events.some((e) => e.e === 'ready') || !this.alive, `${this.id} ready`, timeoutMs);
    if (!this.events.some((e) => e.e === 'ready')) throw new Error(`${this.id} exited before ready:\n${this.output.join('\n')}`);
  }

  /** Units this replica runs now, by its own start/stop reports. */
  runningUnits(): Map<string, number> {
    const out = new Map<string, number>();
    for (const e of this.events) {
      if (e.e === 'start') out.set(e.unit!, e.token!);
      if (e.e === 'stop') out.delete(e.unit!);
    }
    return out;
  }

  /**
   * Makes a Nest app replica call `target` (`Reconciler`, `Shard`, or a path) and resolves with how it
   * ended, as the replica measured it. Rejects if no outcome came within `timeoutMs` + `hangMs` (a call
   * that hangs) or the replica exited first.
   */
  async call(target: string, options: { key?: string; timeoutMs: number }, hangMs = 10_000): Promise<CallOutcome> {
    const id = ++this.calls;
    this.proc.stdin!.write(`${JSON.stringify({ id, target, ...options })}\n`);
    const outcome = () => this.events.find((e) => e.e === 'reply' && e.id === id) as CallOutcome | undefined;
    await waitFor(() => outcome() !== undefined || !this.alive, `${this.id}: the outcome of call ${id} to ${target}`, options.timeoutMs + hangMs);
    if (!outcome()) throw new Error(`${this.id} exited before call ${id} to ${target} settled`);
    return outcome()!;
  }

  async kill(): Promise<void> {
    if (!this.alive) return;
    this.proc.kill('SIGCONT');
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: the replica stops its node (stops units, releases, leaves) and exits. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.alive) return;
    this.proc.kill('SIGCONT');
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  pause(): void {
    this.proc.kill('SIGSTOP');
  }

  resume(): void {
    this.proc.kill('SIGCONT');
  }
}

/** Polls `check` until it holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `count` member ids, with a suffix chosen so that `want(ids)` holds (rendezvous is deterministic). */
export function memberIds(prefix: string, count: number, want: (ids: string[]) => boolean): string[] {
  for (let salt = 0; salt < 10_000; salt++) {
    const ids = Array.from({ length: count }, (_, i) => `${prefix}${i}-${salt}`);
    if (want(ids)) return ids;
  }
  throw new Error('no member ids found');
}

/** What a cluster suite runs on; the servers and clients are there from its `beforeAll` on. */
export class ClusterRig {
  /** The Redis the replicas keep their leases and membership in. */
  leases!: RedisServer;
  /** A second Redis, for the ledger the replicas' units write: a check that survives the leases' Redis. */
  ledgerServer!: RedisServer;
  /** A client of `leases`, for the test's own reads. */
  admin!: Redis;
  /** A client of `ledgerServer`. */
  ledger!: Redis;
  /** The replicas a test started: killed after each test. */
  readonly replicas: Replica[] = [];
}

/**
 * Registers the hooks of a cluster suite (call it inside its describe): two own redis-servers and
 * their clients before the suite; after each test its replicas killed and the ledger cleared, so
 * tests do not see each other; after the suite, clients and servers closed.
 */
export function useClusterRig(): ClusterRig {
  const rig = new ClusterRig();
  beforeAll(async () => {
    [rig.leases, rig.ledgerServer] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    rig.admin = new Redis(rig.leases.url, { maxRetriesPerRequest: 1 });
    rig.ledger = new Redis(rig.ledgerServer.url, { maxRetriesPerRequest: 1 });
  });
  afterEach(async () => {
    await Promise.all(rig.replicas.map((r) => r.kill()));
    rig.replicas.length = 0;
    await rig.ledger.del(...LEDGER_KEYS);
  });
  afterAll(async () => {
    // Set only if beforeAll got that far.
    (rig.admin as Redis | undefined)?.disconnect();
    (rig.ledger as Redis | undefined)?.disconnect();
    await Promise.all([(rig.leases as RedisServer | undefined)?.close(), (rig.ledgerServer as RedisServer | undefined)?.close()]);
  });
  return rig;
}

/**
 * Every process a set of replicas runs: the replicas and what they fork (supervisor processes), found
 * in /proc every 100 ms and named by the replicas' events, each identified by pid and start time.
 */
export class ReplicaCensus {
  private readonly census = new ProcessCensus();
  private readonly timer: NodeJS.Timeout;
  /** Per replica, how many of its events were read for pids. */
  private readonly read = new Map<Replica, number>();

  /** `replicas` is read at each sample: replicas started later are seen too. */
  constructor(private readonly replicas: readonly Replica[]) {
    this.timer = setInterval(() => this.sample(), 100);
  }

  /** Samples once more and returns the processes seen that are alive now. */
  alive(): SeenProcess[] {
    this.sample();
    return this.census.alive();
  }

  get size(): number {
    return this.census.size;
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    for (const r of this.replicas) {
      // A supervisor process named by an event: seen even if its replica died before a sample found it.
      for (let i = this.read.get(r) ?? 0; i < r.events.length; i++) {
        const pid = r.events[i]!.pid;
        if (typeof pid === 'number' && pid > 0) this.census.note(pid);
      }
      this.read.set(r, r.events.length);
      if (!r.running) continue;
      this.census.note(r.pid);
      this.census.sampleDescendants(r.pid);
    }
  }
}
