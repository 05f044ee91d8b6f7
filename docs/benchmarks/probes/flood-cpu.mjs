// Figure 3's tree for <ms>: events/s into events$ and CPU per event of the supervisor process and of this one (from /proc).
// Usage, from a built checkout: node flood-cpu.mjs <checkout root> <ms>
import { pathToFileURL } from 'node:url';
import fs from 'node:fs';
const [root, msStr] = process.argv.slice(2);
const { NestFactory } = await import(pathToFileURL(root + '/node_modules/@nestjs/core/index.js').href);
const lib = await import(pathToFileURL(root + '/dist/libs/supertrees/src/index.js').href);
const trees = await import(pathToFileURL(root + '/dist/bench/fixtures/trees.js').href);
const app = await NestFactory.createApplicationContext(trees.treeModule('flood'), { logger: ['error'] });
const service = app.get(lib.SupervisionService);
let n = 0;
service.events$.subscribe((e) => { if (e.pid !== process.pid) n++; });
await service.start();
const pid = service.snapshot().children.find((c) => c.pid && c.pid !== process.pid).pid;
const cpu = (p) => { const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
await new Promise((r) => setTimeout(r, 1000));
const c0 = cpu(pid), p0 = cpu(process.pid), n0 = n, t0 = performance.now();
await new Promise((r) => setTimeout(r, Number(msStr)));
const dc = cpu(pid) - c0, dp = cpu(process.pid) - p0, dn = n - n0;
console.log(`ev/s ${Math.round(dn / ((performance.now() - t0) / 1000))} child-cpu-ns/ev ${Math.round(dc * 1e6 / dn)} parent-cpu-ns/ev ${Math.round(dp * 1e6 / dn)} | child us/ev ${(dc*1000/dn).toFixed(3)}`);
await app.close();
