// Alternating runs of one probe on several checkouts; medians of the last number each run prints.
// Usage: node ab.mjs <probe.mjs> <arg> <rounds> <checkout>...
import { execFileSync } from 'node:child_process';
import os from 'node:os';
const [script, n, rounds, ...dirs] = process.argv.slice(2);
const res = dirs.map(() => []);
for (let r = 0; r < Number(rounds); r++) for (let i = 0; i < dirs.length; i++) {
  const out = execFileSync('node', [script, dirs[i], n], { env: { ...process.env, P14_PRINT: '1' } }).toString();
  res[i].push(Number(out.match(/([\d.]+)\s*$/)[1]));
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
dirs.forEach((d, i) => console.log(d.padEnd(24), 'median', med(res[i]).toFixed(2), 'all', res[i].map((x) => x.toFixed(2)).join(' ')));
console.log('load', os.loadavg().map((x) => x.toFixed(1)).join(' '));
