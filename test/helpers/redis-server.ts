// A redis-server of the test's own: a free TCP port on 127.0.0.1, a temp dir, no persistence, ended
// by pid. The machine's own Redis (6379) is never used or touched. It does not outlive the process
// that started it, even a SIGKILLed one: a watchdog ends it then (see WATCHDOG). No Jest in here: the
// cluster demo's launcher and the benchmarks import this file too.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = 'redis-server';
export const INSTALL_HINT = 'redis-server not found: skipping the cluster tests (install it: apt-get install redis-server)';

/** True when redis-server can be run. With CI set and no binary, throws: CI must not skip these. */
export function redisAvailable(): boolean {
  const found = spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.CI) throw new Error(`${BINARY} is required in CI (apt-get install redis-server)`);
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Redis has no parent-death option, and a process killed with SIGKILL runs no cleanup: so next to
 * each redis-server runs this POSIX sh watchdog. Its stdin is a pipe whose other end only the owner
 * (the process that started the server) holds, and never writes to: the kernel closes that end when
 * the owner ends, however it ends, and `read` returns. Then it SIGKILLs the server and removes its
 * temp dir. No polling and no timer; the owner ends it with SIGTERM as soon as the server ended
 * (kill(), close(), or the server's own death), so it never outlives the server it guards and never
 * kills a pid that has been reused. Arguments: redis-server pid, temp dir.
 */
const WATCHDOG = `
while read -r _; do :; done
kill -KILL "$1" 2>/dev/null
rm -rf "$2"
`;

interface Watchdog {
  readonly pid: number | undefined;
  /** SIGTERM, and waits for its exit. Idempotent. */
  end(): Promise<void>;
}

function startWatchdog(serverPid: number, dir: string): Watchdog {
  const proc = spawn('sh', ['-c', WATCHDOG, 'redis-watchdog', String(serverPid), dir], { stdio: ['pipe', 'ignore', 'ignore'] });
  const ended = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  // Neither it nor its pipe may keep the owner's event loop alive: the owner's end is what it waits for.
  proc.unref();
  (proc.stdin as Socket).unref();
  let ending: Promise<void> | undefined;
  return {
    pid: proc.pid,
    end: () =>
      (ending ??= (async () => {
        // Held again while it is waited for, or a script whose last step is close() could end first.
        proc.ref();
        proc.kill('SIGTERM');
        await ended;
        // Closed only now, so that it never reads the end of its input as its owner's.
        proc.stdin?.destroy();
      })()),
  };
}

export class RedisServer {
  private proc?: ChildProcess;
  private watchdog?: Watchdog;
  private readonly tempDir = mkdtempSync(join(tmpdir(), 'supertrees-redis-'));

  private constructor(readonly port: number) {}

  /** Starts one on `port`, or on a free port. */
  static async start(port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()));
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** The pid of the watchdog of the running server (see WATCHDOG). */
  get watchdogPid(): number | undefined {
    return this.watchdog?.pid;
  }

  /** Its temp dir (removed by close(), or by the watchdog when the owner died). */
  get dir(): string {
    return this.tempDir;
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  /** (Re)starts it on the same port, empty; resolves once it answers PING. */
  async launch(): Promise<void> {
    if (this.proc) return;
    // The watchdog of a server that died by itself, ending since its exit.
    await this.watchdog?.end();
    if (this.proc) return;
    const proc = spawn(BINARY, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.tempDir, '--loglevel', 'warning'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.proc = proc;
    const watchdog = proc.pid === undefined ? undefined : startWatchdog(proc.pid, this.tempDir);
    this.watchdog = watchdog;
    proc.once('exit', () => {
      if (this.proc === proc) this.proc = undefined;
      void watchdog?.end();
    });
    const deadline = Date.now() + 15_000;
    while (!(await this.ping())) {
      if (!this.proc) throw new Error(`redis-server on port ${this.port} exited at start`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer PING within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL, and waits for the exit (its watchdog's too). */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (proc) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await exited;
    }
    await this.watchdog?.end();
  }

  pause(): void {
    this.proc?.kill('SIGSTOP');
  }

  resume(): void {
    this.proc?.kill('SIGCONT');
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: this.port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(1_000, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    });
  }
}
