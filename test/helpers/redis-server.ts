// A redis-server of the test's own: a free TCP port on 127.0.0.1, a temp dir, no persistence, ended
// by pid. The machine's own Redis (6379) is never used or touched. It does not outlive the process
// that started it, even a SIGKILLed one: a watchdog ends it then (see WATCHDOG). No Jest in here: the
// cluster demo's launcher and the benchmarks import this file too.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
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
 * each redis-server runs this POSIX sh loop, which checks twice a second that its owner (the process
 * that started the server) and the server are alive. When the owner is gone it SIGKILLs the server
 * and removes its temp dir; when the server is gone it just exits. SIGTERM ends it at once (close()).
 * Arguments: owner pid, redis-server pid, temp dir. (An owner that is an unreaped zombie still
 * counts as alive: its own parent is expected to reap it, as Node and shells do.)
 */
const WATCHDOG = `
owner=$1 server=$2 dir=$3
trap 'kill $nap 2>/dev/null; exit 0' TERM
while kill -0 "$owner" 2>/dev/null && kill -0 "$server" 2>/dev/null; do
  sleep 0.5 & nap=$!
  wait $nap
done
if ! kill -0 "$owner" 2>/dev/null; then
  kill -KILL "$server" 2>/dev/null
  rm -rf "$dir"
fi
`;

export class RedisServer {
  private proc?: ChildProcess;
  private watchdog?: ChildProcess;
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
    // The watchdog of a server that died by itself may not have noticed yet.
    await this.unwatch();
    if (this.proc) return;
    const proc = spawn(BINARY, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.tempDir, '--loglevel', 'warning'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.proc = proc;
    proc.once('exit', () => {
      if (this.proc === proc) this.proc = undefined;
    });
    if (proc.pid !== undefined) this.watch(proc.pid);
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
    await this.unwatch();
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

  private watch(serverPid: number): void {
    const watchdog = spawn('sh', ['-c', WATCHDOG, 'redis-watchdog', String(process.pid), String(serverPid), this.tempDir], { stdio: 'ignore' });
    // It must never keep its owner's event loop alive: the owner's own exit is what it waits for.
    watchdog.unref();
    this.watchdog = watchdog;
  }

  private async unwatch(): Promise<void> {
    const watchdog = this.watchdog;
    this.watchdog = undefined;
    if (!watchdog || watchdog.exitCode !== null || watchdog.signalCode !== null) return;
    const exited = new Promise((r) => watchdog.once('exit', r));
    // Held again while it is waited for, or a script whose last step is close() could end first.
    watchdog.ref();
    watchdog.kill('SIGTERM');
    await exited;
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
