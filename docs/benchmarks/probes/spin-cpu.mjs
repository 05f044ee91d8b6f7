// CPU time per restart of a worker that returns at once, in process (figure 3's loop without IPC), after 2,000 restarts.
// Usage, from a built checkout: node spin-cpu.mjs <checkout root> <restarts>; prints with P14_PRINT=1
import { pathToFileURL } from 'node:url';
const [root, nStr] = process.argv.slice(2);
const N = Number(nStr);
const { NestFactory } = await import(pathToFileURL(root + '/node_modules/@nestjs/core/index.js').href);
const { Module } = await import(pathToFileURL(root + '/node_modules/@nestjs/common/index.js').href);
const lib = await import(pathToFileURL(root + '/dist/libs/supertrees/src/index.js').href);
class Spin { run() {} }
lib.Worker({ restart: 'always', backoff: { minDelayMs: 0 } })(Spin);
class M {}
Module({ imports: [lib.SupervisionModule.forRoot({ autoStart: false, logging: false, onTreeFailure: 'keep-running' })], providers: [Spin] })(M);
const app = await NestFactory.createApplicationContext(M, { logger: ['error'] });
const service = app.get(lib.SupervisionService);
let restarts = 0; let t0;
service.events$.subscribe((e) => { if (e.type === 'restarted') { restarts++; if (restarts === 2000) t0 = process.cpuUsage(); if (restarts === N) { const c = process.cpuUsage(t0); if (process.env.P14_PRINT) console.log('cpu us/restart', ((c.user + c.system) / (N - 2000)).toFixed(2)); process.exit(0); } } });
await service.start();
