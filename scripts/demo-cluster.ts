// `npm run demo:cluster`: a Redis (its own, on a free port, or REDIS_URL) and three replicas of the
// demo app on ports 3001-3003 with cluster mode on. Prints the URLs; Ctrl-C (or SIGTERM) stops the
// replicas, then the Redis it started. A replica that dies (kill -9 it to see the failover) is reported,
// not restarted; the command to start it again is printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { INSTALL_HINT, RedisServer, redisAvailable } from '../test/helpers/redis-server.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = 'dist/apps/demo/src/main.js';
const PORTS = (process.env.DEMO_CLUSTER_PORTS ?? '3001,3002,3003').split(',').map(Number);
/** A replica that has not stopped this long after SIGTERM is killed. */
const STOP_TIMEOUT_MS = 20_000;

interface Replica {
  readonly port: number;
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  listening?: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
let redis: RedisServer | undefined;
const replicas: Replica[] = [];
let stopping = false;

function start(port: number, url: string): Replica {
  const env = { ...process.env, PORT: String(port), SUPERTREES_CLUSTER_REDIS: url, SUPERTREES_CLUSTER_MEMBER: `replica-${port}`, DEMO_QUIET: process.env.DEMO_QUIET ?? '1' };
  const proc = spawn(process.execPath, [MAIN], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const replica: Replica = { port, proc, exited: new Promise((resolve) => proc.once('exit', () => resolve())) };
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      if (match) replica.listening = match[1];
      say(`[${port}] ${line}`);
    });
  }
  proc.once('exit', (code, signal) => {
    if (stopping) return;
    say(`[${port}] replica exited (${signal ?? code}); the others take over its units once its leases expire.`);
    say(`      start it again: PORT=${port} SUPERTREES_CLUSTER_REDIS=${url} SUPERTREES_CLUSTER_MEMBER=replica-${port} node ${MAIN}`);
  });
  return replica;
}

async function stopAll(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  say('stopping the replicas ...');
  await Promise.all(
    replicas.map(async (r) => {
      if (r.proc.exitCode !== null || r.proc.signalCode !== null) return;
      r.proc.kill('SIGTERM');
      const timer = setTimeout(() => r.proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await r.exited;
      clearTimeout(timer);
    }),
  );
  await redis?.close();
  say('stopped.');
  process.exit(code);
}

process.once('SIGINT', () => void stopAll(130));
process.once('SIGTERM', () => void stopAll(143));
process.once('SIGHUP', () => void stopAll(129));
// However this process ends, no replica and no Redis of its own outlives it.
process.on('exit', () => {
  for (const r of replicas) r.proc.kill('SIGKILL');
  if (redis?.pid) process.kill(redis.pid, 'SIGKILL');
});

let url = process.env.REDIS_URL;
if (!url) {
  if (!redisAvailable()) {
    say(`${INSTALL_HINT.replace('skipping the cluster tests', 'cannot start the cluster demo')}; or set REDIS_URL`);
    process.exit(1);
  }
  redis = await RedisServer.start();
  url = redis.url;
  say(`redis-server (pid ${redis.pid}) on ${url}, started for this demo`);
} else {
  say(`using REDIS_URL ${url}`);
}
for (const port of PORTS) replicas.push(start(port, url));

const deadline = Date.now() + 90_000;
while (replicas.some((r) => !r.listening && r.proc.exitCode === null && r.proc.signalCode === null)) {
  if (Date.now() > deadline) {
    say('the replicas did not all listen within 90 s');
    await stopAll(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}
if (replicas.some((r) => !r.listening)) {
  say('a replica exited before it listened');
  await stopAll(1);
}
say('');
say('cluster demo: 3 replicas of apps/demo, one Redis');
for (const r of replicas) say(`  ${r.listening}   pid ${r.proc.pid}   GET ${r.listening}/cluster`);
say(`
  curl -s localhost:${PORTS[0]}/cluster                 # members, who holds which lease with which token
  curl -s -X POST localhost:${PORTS[0]}/cluster/orders/o-17   # a call routed to the replica that owns partition of 'o-17'
  kill -9 <pid of the replica holding ClusterReconciler>   # then GET /cluster on another: a new holder, a higher token
Ctrl-C stops everything.
`);
