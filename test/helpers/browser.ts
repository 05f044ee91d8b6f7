import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package; the tests drive it with playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';
export const INSTALL_CHROMIUM = 'apt-get update && apt-get install -y chromium';

/**
 * Whether the browser tests run: yes with Chromium; without it they fail under CI (a missing system
 * dependency must not pass silently there) and are skipped elsewhere, with one line saying how to
 * install it.
 */
export function browserTestsEnabled(suite: string): boolean {
  if (existsSync(CHROMIUM) || process.env.CI) return true;
  process.stderr.write(`${suite}: skipped, ${CHROMIUM} is missing; install it with: ${INSTALL_CHROMIUM}\n`);
  return false;
}

/**
 * A headless Chromium with the flags that keep it from stalling on a machine without network
 * (TOOLCHAIN.md). playwright-core gives it a fresh temporary --user-data-dir and removes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`CI is set and ${CHROMIUM} is missing; install it with: ${INSTALL_CHROMIUM}`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
