// Figure 14: the round trip of a call routed to the member that holds a singleton's lease, from
// another member, against a Redis PING round trip from the same process (the reference), and
// against the bare mechanism underneath: a PUBLISH each way between two bare processes through the same Redis.
// Two transports (cluster.calls): Redis pub/sub, and the direct channel (one TCP connection per peer).
import { Redis } from 'ioredis';
import { connect } from 'node:net';
import { ClusterNode, ClusterRouter, unitRef } from '#supertrees/cluster';
import { memberConfig, Member, TIMING_TEXT, until, withRedis } from '../lib/cluster.js';
import { runFigure } from '../lib/harness.js';
import { fixture, forkTracked, isMessage, nextMessage } from '../lib/processes.js';
import { measureRoutedCall } from '../lib/routed-call.js';
import { row, type FigureResult } from '../lib/results.js';
import { summarize } from '../lib/stats.js';

const RUNS = 15;
const BATCH = 200;
const UNIT = 'echo';
const message = (i: number) => ({ n: i, tenant: 'acme', job: 'resize' });

/** µs per round trip of `once()`, one at a time, over a batch. */
async function batch(once: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i += 1) await once(i);
  return ((performance.now() - t0) * 1000) / BATCH;
}

async function measure(): Promise<FigureResult> {
  return withRedis(async (server) => {
    const direct = { transport: 'direct', listen: { host: '127.0.0.1' } } as const;
    const holderConfig = memberConfig(server.url, 'calls', 'holder', [{ name: UNIT }]);
    const holder = new Member('holder', { ...holderConfig, options: { ...holderConfig.options, calls: direct } }, undefined, 'cluster-echo-member');
    // The callers are members too (a router needs a node), with no unit of their own: one per transport.
    const idle = { start: async () => undefined, stop: async () => undefined };
    const holdsNothing = async () => {
      throw new Error('the caller holds nothing');
    };
    const caller = new ClusterNode({ ...memberConfig(server.url, 'calls', 'caller', []).options, logger: false }, [], idle);
    const router = new ClusterRouter(caller, holdsNothing);
    const directCaller = new ClusterNode({ ...memberConfig(server.url, 'calls', 'direct-caller', []).options, logger: false, calls: direct }, [], idle);
    const directRouter = new ClusterRouter(directCaller, holdsNothing);
    const ping = new Redis(server.url);
    // The bare pub/sub round trip: this process publishes on `req`, the echo process answers on `rep`.
    const echo = forkTracked(fixture('pubsub-echo'), [], { env: { ...process.env, REDIS_URL: server.url } });
    const repSubscriber = new Redis(server.url);
    // The bare TCP round trip, the direct channel's floor: this process writes, the echo process writes it back.
    const tcpEcho = forkTracked(fixture('tcp-echo'));
    let replied: (() => void) | undefined;
    repSubscriber.on('message', () => replied?.());
    try {
      await until(() => holder.running.has(UNIT), `${UNIT} held by the holder`);
      await caller.start();
      await router.start();
      await directRouter.listen();
      await directCaller.start();
      await directRouter.start();
      const unit = unitRef(UNIT);
      const call = (i: number) => router.call(unit, message(i), { timeoutMs: 5_000 });
      const directCall = (i: number) => directRouter.call(unit, message(i), { timeoutMs: 5_000 });
      const pinging = () => ping.ping();
      await repSubscriber.subscribe('rep');
      await nextMessage(echo, isMessage('ready'));
      const tcpReady = await nextMessage(tcpEcho, isMessage('ready'));
      const tcp = connect({ host: '127.0.0.1', port: Number(tcpReady.port) });
      tcp.setNoDelay(true);
      // The message is ~40 bytes: it comes back in one chunk.
      let tcpReplied: (() => void) | undefined;
      tcp.on('data', () => tcpReplied?.());
      const tcpRoundTrip = (i: number) =>
        new Promise<void>((resolve) => {
          tcpReplied = resolve;
          tcp.write(JSON.stringify(message(i)));
        });
      const pubsub = (i: number) =>
        new Promise<void>((resolve) => {
          replied = resolve;
          void ping.publish('req', JSON.stringify(message(i)));
        });
      // Warm-up: the owner lookup is cached after the first call; connections and JIT settle.
      await batch(call);
      await batch(directCall);
      await batch(pinging);
      await batch(pubsub);
      await batch(tcpRoundTrip);
      if (directRouter.stats.direct === 0) throw new Error('no call went on the direct channel');
      const calls: number[] = [];
      const directCalls: number[] = [];
      const pings: number[] = [];
      const bare: number[] = [];
      const tcpBare: number[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        calls.push(await batch(call));
        directCalls.push(await batch(directCall));
        pings.push(await batch(pinging));
        bare.push(await batch(pubsub));
        tcpBare.push(await batch(tcpRoundTrip));
      }
      tcp.destroy();
      const routed = summarize(calls, 1);
      const routedDirect = summarize(directCalls, 1);
      const floor = summarize(pings, 1);
      const bareRoundTrip = summarize(bare, 1);
      const bareTcp = summarize(tcpBare, 1);
      // The same with both members in this process (bench/lib/routed-call.ts): no process wake-up on the holder's side.
      const inProcess = await measureRoutedCall(server.url, RUNS * BATCH, BATCH);
      const inProcessDirect = await measureRoutedCall(server.url, RUNS * BATCH, BATCH, direct);
      const echoed = (await call(7)) as { n?: number };
      if (echoed.n !== 7) throw new Error(`the routed call returned ${JSON.stringify(echoed)}`);
      const echoedDirect = (await directCall(8)) as { n?: number };
      if (echoedDirect.n !== 8) throw new Error(`the direct routed call returned ${JSON.stringify(echoedDirect)}`);
      return {
        number: 14,
        id: 'cluster-calls',
        title: 'Cluster: routed call across members',
        setup:
          `A member process holds a singleton (${TIMING_TEXT}) and answers routed calls with the message ({ n, tenant, job }); ` +
          `the figure process runs two more members with no unit, one per transport (cluster.calls 'redis': pub/sub; 'direct': ` +
          `a TCP connection on 127.0.0.1), and calls it through ClusterRouter.call() one at a time ` +
          `(${RUNS} samples of ${BATCH}, after a warm-up batch), on a redis-server of the figure's own. Floor, interleaved ` +
          `batch by batch: PING round trips from a client in the same process to the same Redis; and the bare mechanism, a ` +
          `message PUBLISHed to a bare Node process (bench/fixtures/pubsub-echo.ts) that PUBLISHes it back; for the direct ` +
          `channel, the same message written over TCP to a bare Node process that writes it back (bench/fixtures/tcp-echo.ts).`,
        rows: [
          row('routed call round trip, member to member, direct channel', 'µs', routedDirect, { what: 'Redis PING round trip', value: floor }, {
            text: '≤ 3× floor',
            met: routedDirect.median <= 3 * floor.median,
          }),
          row('routed call round trip, member to member, direct channel (vs bare TCP echo)', 'µs', routedDirect, { what: 'a write to a bare Node process over TCP and back', value: bareTcp }),
          row('routed call round trip, member to member', 'µs', routed, { what: 'Redis PING round trip', value: floor }, {
            text: '≤ 3× floor',
            met: routed.median <= 3 * floor.median,
          }),
          row('routed call round trip, member to member (vs bare pub/sub)', 'µs', routed, { what: 'PUBLISH to a bare process and back', value: bareRoundTrip }),
          row('routed call round trip, both members in one process', 'µs', inProcess.routedUs, { what: 'Redis PING round trip, interleaved call by call', value: inProcess.pingUs }, {
            text: '≤ 3× floor',
            met: inProcess.ratio <= 3,
          }),
          row('routed call round trip, both members in one process, direct channel', 'µs', inProcessDirect.routedUs, { what: 'Redis PING round trip, interleaved call by call', value: inProcessDirect.pingUs }, {
            text: '≤ 3× floor',
            met: inProcessDirect.ratio <= 3,
          }),
        ],
        details: { routerStats: { ...router.stats }, directRouterStats: { ...directRouter.stats } },
        notes: [
          'A routed call is a PUBLISH of the request on the holder\'s inbox channel, the holder\'s dispatch, and a PUBLISH of the ' +
            'reply on the caller\'s: two Redis round trips plus two pub/sub deliveries, so about 2× a PING at best. The owner is ' +
            'looked up once and cached (routerStats.lookups).',
          'The direct channel carries the same request and reply frames on one persistent, authenticated TCP connection from ' +
            'caller to holder: no Redis on the call path once the holder and its address are cached (one lookup script, ' +
            'directRouterStats.lookups), so its floor is a TCP round trip between two processes, like a PING\'s.',
        ],
      };
    } finally {
      ping.disconnect();
      repSubscriber.disconnect();
      echo.kill('SIGKILL');
      tcpEcho.kill('SIGKILL');
      await router.stop();
      await caller.stop();
      await directRouter.stop();
      await directCaller.stop();
      await holder.stop();
    }
  });
}

await runFigure(measure);
