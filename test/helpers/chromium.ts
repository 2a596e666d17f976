/** Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core. */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** false when Chromium is there, else the reason the browser tests are skipped */
export const CHROMIUM_SKIP: false | string = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian package "chromium"; CI installs it)`;

/** No sandbox (containers), no background traffic (a test sees every request), plus `extraArgs`. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  });
}
