import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import type { Browser } from 'playwright-core';
import { startFixedResponse } from '../helpers/servers/http-catalog.js';
import { startRefusedPort } from '../helpers/servers/raw-catalog.js';
import type { TestServer } from '../helpers/servers/test-server.js';
import { startApiFixture, type ApiFixture } from '../api/helpers/api-fixture.js';
import { seedHistory } from './seed-history.js';

const CHROMIUM = '/usr/bin/chromium';
const XSS_NAME = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>"'&`;
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian package "chromium"; CI installs it)`;

describe('status page in headless Chromium', { skip }, () => {
  let f: ApiFixture;
  let ok: TestServer;
  let refused: TestServer;
  let browser: Browser;

  before(async () => {
    f = await startApiFixture('page-token');
    ok = await startFixedResponse(200, 'ok');
    refused = await startRefusedPort();
    await f.call('POST', '/api/v1/targets', { body: { id: 'api', name: 'Public API', check: { url: ok.url, auth: { type: 'basic', username: 'u', password: 'PAGESECRET' } }, tags: ['prod'] } });
    await f.call('POST', '/api/v1/targets', { body: { id: 'db', name: 'Database', check: { kind: 'tcp', host: '127.0.0.1', port: refused.port } } });
    await f.call('POST', '/api/v1/targets', { body: { id: 'xss', name: XSS_NAME, check: { url: ok.url } } });
    await seedHistory(f.daemon.store, ['api', 'xss'], Date.now());
    for (let i = 0; i < 3; i += 1) {
      await f.daemon.runScheduledCheck('api', 1);
      await f.daemon.runScheduledCheck('xss', 1);
    }
    await f.daemon.runScheduledCheck('db', 1);
    await f.daemon.store.openIncident({ targetId: 'db', openedAt: Date.now() - 120_000, errorKind: 'connection_refused', detail: `connect ECONNREFUSED 127.0.0.1:${refused.port}`, failureCount: 2 });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  });
  after(async () => {
    await browser?.close();
    await f?.close();
    await ok?.close();
    await refused?.close();
  });

  for (const viewport of [
    { name: 'phone', width: 390, height: 844 },
    { name: 'desktop', width: 1280, height: 900 },
  ]) {
    it(`renders targets, states, bars and a latency chart on a ${viewport.name}`, async () => {
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      const external: string[] = [];
      page.on('request', (req) => {
        if (!req.url().startsWith(f.api.url)) external.push(req.url());
      });
      try {
        const response = await page.goto(`${f.api.url}/`, { waitUntil: 'load' });
        assert.equal(response?.status(), 200, 'the status page is public (no token)');
        const html = await response?.text();
        assert.doesNotMatch(html ?? '', /PAGESECRET/);
        assert.deepEqual(external, [], 'no external assets');

        // The XSS attempt is shown as text and never executed.
        assert.equal(await page.evaluate('window.__xss'), undefined);
        assert.equal(await page.locator('li[data-target-id="xss"] .target-name').textContent(), XSS_NAME);
        assert.equal(await page.locator('img[src="x"]').count(), 0);

        assert.equal(await page.locator('li[data-target-id="api"] .target-name').textContent(), 'Public API');
        assert.equal(await page.locator('li[data-target-id="api"]').getAttribute('data-state'), 'up');
        assert.equal(await page.locator('li[data-target-id="db"]').getAttribute('data-state'), 'down');
        assert.match((await page.locator('li[data-target-id="db"] .problem').textContent()) ?? '', /connection refused/i);
        assert.equal(await page.locator('table.incidents tbody tr.open td').first().textContent(), 'Database');
        // Failing targets are listed first.
        assert.equal(await page.locator('li.target').first().getAttribute('data-target-id'), 'db');
        assert.equal(await page.locator('li[data-target-id="api"] .uptime-bars rect').count(), 90);
        assert.ok((await page.locator('li[data-target-id="api"] .uptime-bars rect.ok').count()) >= 80);
        assert.equal(await page.locator('li[data-target-id="api"] .uptime-bars rect.bad').count(), 1);

        const paths = page.locator('li[data-target-id="api"] svg.latency-chart path');
        assert.equal(await paths.count(), 5);
        for (const phase of ['dnsMs', 'connectMs', 'ttfbMs', 'receiveMs']) {
          const d = await page.locator(`li[data-target-id="api"] svg.latency-chart path[data-phase="${phase}"]`).getAttribute('d');
          assert.match(d ?? '', /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){3,}Z$/, phase);
        }

        // No horizontal scrolling on either viewport.
        // A string expression: the test compiles without the DOM lib.
        const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
        assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);

        const chart = page.locator('li[data-target-id="api"] svg.latency-chart');
        const box = await chart.boundingBox();
        assert.ok(box !== null && box.width > 200 && box.height > 60, `chart box ${JSON.stringify(box)}`);
        const png = PNG.sync.read(await chart.screenshot());
        const colored = countColoredPixels(png);
        assert.ok(colored > png.width * png.height * 0.1, `only ${colored} of ${png.width * png.height} chart pixels are drawn`);

        mkdirSync('test/e2e/out', { recursive: true });
        writeFileSync(`test/e2e/out/status-page-${viewport.name}.png`, await page.screenshot({ fullPage: true }));
      } finally {
        await context.close();
      }
    });
  }
});

/** Pixels with clear colour (the phase fills), as opposed to the grey background and grid. */
function countColoredPixels(png: PNG): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const r = png.data[i] ?? 0;
    const g = png.data[i + 1] ?? 0;
    const b = png.data[i + 2] ?? 0;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n += 1;
  }
  return n;
}
