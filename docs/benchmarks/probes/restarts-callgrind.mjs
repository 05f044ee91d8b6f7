// For callgrind: N restarts (crash: the Crasher tree in process; floor: the bare throw/catch loop), then exit.
// Instructions per restart = (I(N2) - I(N1)) / (N2 - N1). Usage: node restarts-callgrind.mjs <checkout root> crash|floor <N>
// FROZEN_CLOCK=1 stops performance.now, so a burst of zero-delay restarts ends by count (1,000), not after a
// wall-clock millisecond that valgrind stretches: the work per restart no longer depends on how slow the run is.
import { pathToFileURL } from 'node:url';
const [root, mode, nStr] = process.argv.slice(2);
const N = Number(nStr);
if (mode === 'floor') {
  async function crash() { throw new Error('crash'); }
  for (let i = 0; i < N; i++) { try { await crash(); } catch {} }
  process.exit(0);
}
if (process.env.FROZEN_CLOCK === '1') performance.now = () => 1000;
const { NestFactory } = await import(pathToFileURL(root + '/node_modules/@nestjs/core/index.js').href);
const lib = await import(pathToFileURL(root + '/dist/libs/supertrees/src/index.js').href);
const trees = await import(pathToFileURL(root + '/dist/bench/fixtures/trees.js').href);
const app = await NestFactory.createApplicationContext(trees.treeModule(mode === 'crash' ? 'crash' : 'spin'), { logger: ['error'] });
const service = app.get(lib.SupervisionService);
let restarts = 0;
service.events$.subscribe((e) => { if (e.type === 'restarted' && ++restarts === N) process.exit(0); });
await service.start();
