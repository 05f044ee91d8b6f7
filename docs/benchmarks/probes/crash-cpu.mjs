// CPU time (user + system, this process) per restart of the Crasher worker in process, after 2,000 restarts.
// Usage, from a built checkout: node crash-cpu.mjs <checkout root> <restarts>
import { pathToFileURL } from 'node:url';
const [root, nStr] = process.argv.slice(2);
const N = Number(nStr);
const { NestFactory } = await import(pathToFileURL(root + '/node_modules/@nestjs/core/index.js').href);
const lib = await import(pathToFileURL(root + '/dist/libs/supertrees/src/index.js').href);
const trees = await import(pathToFileURL(root + '/dist/bench/fixtures/trees.js').href);
const app = await NestFactory.createApplicationContext(trees.treeModule('crash'), { logger: ['error'] });
const service = app.get(lib.SupervisionService);
let restarts = 0; let t0;
service.events$.subscribe((e) => { if (e.type === 'restarted') { restarts++; if (restarts === 2000) t0 = process.cpuUsage(); if (restarts === N) { const c = process.cpuUsage(t0); console.log('cpu us/restart', ((c.user + c.system) / (N - 2000)).toFixed(2)); process.exit(0); } } });
await service.start();
