// `npm run docs:screenshot`: runs the demo, lets it crash and restart a few workers, and saves
// the dashboard as docs/dashboard.png (headless Chromium from Debian's package).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/helpers/browser.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const output = `${repo}docs/dashboard.png`;

const demo = spawn(process.execPath, ['dist/apps/demo/src/main.js'], {
  cwd: repo,
  env: { ...process.env, PORT: '0', DEMO_QUIET: '1', DEMO_FEED_FAILURE_RATE: '0.2' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const exited = once(demo, 'exit');

try {
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the demo did not listen within 60 s')), 60_000);
    createInterface({ input: demo.stdout! }).on('line', (line) => {
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${base}/dashboard`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    // Something to see: a crashed worker and a killed supervisor process, restarted in a new process.
    await fetch(`${base}/supervision/crash?path=root/NotifySupervisor/RateLimiter`, { method: 'POST' });
    await fetch(`${base}/supervision/kill?path=root/IngestSupervisor`, { method: 'POST' });
    await page.locator('#tree tr[data-path="root/IngestSupervisor"] td.restarts', { hasText: '1' }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(4_000);
    await page.screenshot({ path: output });
    process.stdout.write(`wrote ${output}\n`);
  } finally {
    await browser.close();
  }
} finally {
  demo.kill('SIGTERM');
  await exited;
}
