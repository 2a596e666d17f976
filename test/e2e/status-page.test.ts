import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { startFixedResponse } from '../helpers/servers/http-catalog.js';
import { startRefusedPort } from '../helpers/servers/raw-catalog.js';
import type { TestServer } from '../helpers/servers/test-server.js';
import { CHROMIUM_SKIP, launchChromium } from '../helpers/chromium.js';
import { startApiFixture, type ApiFixture } from '../api/helpers/api-fixture.js';
import { seedHistory } from './seed-history.js';

const XSS_NAME = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>"'&`;
/** right-to-left text (names may not hold bidi overrides: the API refuses them) */
const BIDI_NAME = `חשבונות "billing" <b>`;
/** an incident's detail comes from the remote server: script and a right-to-left override */
const XSS_DETAIL = `<script>window.__xss=3</script> refused \u202Egnp.exe`;
/** credentials of the targets, plus the heartbeat target's push token and its hash (added in `before`) */
const SECRETS = ['PAGESECRET', 'URLSECRET', 'HEADERSECRET'];
const DAY_MS = 86_400_000;
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1440, height: 900 },
] as const;

describe('status pages in headless Chromium', { skip: CHROMIUM_SKIP }, () => {
  let f: ApiFixture;
  let ok: TestServer;
  let refused: TestServer;
  let browser: Browser;

  before(async () => {
    f = await startApiFixture('page-token');
    ok = await startFixedResponse(200, 'ok');
    refused = await startRefusedPort();
    const okUrl = new URL(ok.url);
    const create = async (body: unknown): Promise<void> => {
      const res = await f.call('POST', '/api/v1/targets', { body });
      assert.equal(res.status, 201, res.text);
    };
    await create({ id: 'api', name: 'Public API', check: { url: ok.url, auth: { type: 'basic', username: 'u', password: 'PAGESECRET' }, headers: { 'x-api-key': 'HEADERSECRET' } }, tags: ['prod'] });
    await create({ id: 'db', name: 'Database', check: { kind: 'tcp', host: '127.0.0.1', port: refused.port } });
    await create({ id: 'xss', name: XSS_NAME, check: { url: `http://u:URLSECRET@${okUrl.host}/` } });
    await create({ id: 'billing', name: BIDI_NAME, check: { url: ok.url } });
    await create({ id: 'cert', name: 'Shop (TLS)', check: { url: 'https://shop.example.test/health' } });
    // a heartbeat target with a push token of our own (this test daemon takes no pushes: test/daemon/heartbeat*)
    const pushToken = randomBytes(24).toString('base64url');
    const tokenHex = createHash('sha256').update(pushToken).digest('hex');
    await create({ id: 'backup', name: 'Nightly backup', check: { kind: 'heartbeat', period: '1d', grace: '2h', tokenHash: `sha256:${tokenHex}` } });
    SECRETS.push(pushToken, tokenHex);
    const nowMs = Date.now();
    const expiresAt = new Date(nowMs + 9.5 * DAY_MS).toISOString();
    // one seeding (one rollup run): results inserted for hours already rolled up would not be in the bars
    await seedHistory(f.daemon.store, ['api', 'xss', 'billing', 'cert'], nowMs, {
      tls: { cert: { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1', certSubject: 'CN=shop', certIssuer: 'CN=CA', certExpiresAt: expiresAt, daysRemaining: 9, chainExpiresAt: expiresAt, chainDaysRemaining: 9, chain: null } },
    });
    for (let i = 0; i < 3; i += 1) {
      for (const id of ['api', 'xss', 'billing']) await f.daemon.runScheduledCheck(id, 1);
    }
    await f.daemon.runScheduledCheck('db', 1);
    // 60 closed incidents (more than a page of 50) and an open one with a hostile detail
    for (let i = 0; i < 60; i += 1) {
      const opened = await f.daemon.store.openIncident({ targetId: 'api', openedAt: nowMs - (i + 2) * 3_600_000, errorKind: 'timeout', detail: `slow #${i}`, failureCount: 2 });
      await f.daemon.store.closeIncident(opened.id, opened.openedAt + 600_000);
    }
    await f.daemon.store.openIncident({ targetId: 'db', openedAt: nowMs - 120_000, errorKind: 'connection_refused', detail: XSS_DETAIL, failureCount: 2 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await f?.close();
    await ok?.close();
    await refused?.close();
  });

  /** Opens a page, asserts the things every page must do, and hands it to `body`. */
  async function visit(path: string, viewport: (typeof VIEWPORTS)[number], shot: string, body: (page: Page, html: string) => Promise<void>): Promise<void> {
    const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const external: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(f.api.url)) external.push(req.url());
    });
    try {
      const response = await page.goto(`${f.api.url}${path}`, { waitUntil: 'load' });
      assert.equal(response?.status(), 200, `${path} is public (no token)`);
      const html = (await response?.text()) ?? '';
      for (const secret of SECRETS) assert.ok(!html.includes(secret), `${path} shows ${secret}`);
      assert.deepEqual(external, [], 'no external assets');
      assert.equal(await page.evaluate('window.__xss'), undefined, 'no injected script ran');
      assert.equal(await page.locator('img').count(), 0);
      assert.equal(await page.locator('script').count(), 0, 'no scripts at all');
      // A string expression: the test compiles without the DOM lib.
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the ${viewport.name} viewport`);
      await body(page, html);
      mkdirSync('test/e2e/out', { recursive: true });
      // the first screen (what docs/images keeps) and the whole page (to look at)
      await page.evaluate('window.scrollTo(0, 0)');
      writeFileSync(`test/e2e/out/${shot}-${viewport.name}.png`, await page.screenshot());
      writeFileSync(`test/e2e/out/${shot}-${viewport.name}-full.png`, await page.screenshot({ fullPage: true }));
    } finally {
      await context.close();
    }
  }

  for (const viewport of VIEWPORTS) {
    it(`overview on a ${viewport.name}: 90 daily bars, uptime per window, hostile names as text`, () =>
      visit('/', viewport, 'status-page', async (page) => {
        assert.equal(await page.locator('li[data-target-id="xss"] .target-name').textContent(), XSS_NAME);
        assert.equal(await page.locator('li[data-target-id="billing"] .target-name').textContent(), BIDI_NAME);
        assert.equal(await page.locator('li[data-target-id="api"] .target-name').textContent(), 'Public API');
        assert.equal(await page.locator('li[data-target-id="api"]').getAttribute('data-state'), 'up');
        assert.equal(await page.locator('li[data-target-id="db"]').getAttribute('data-state'), 'down');
        assert.equal(await page.locator('li.target').first().getAttribute('data-target-id'), 'db', 'failing targets first');
        assert.match((await page.locator('li[data-target-id="db"] .problem').textContent()) ?? '', /connection refused/i);
        assert.equal(await page.locator('table.incidents tbody tr.open td').first().textContent(), 'Database');

        // daily bars by default: one down day, one maintenance day, the rest up
        assert.equal(await page.locator('p.toggle').getAttribute('data-bars'), 'day');
        const bars = page.locator('li[data-target-id="api"] .uptime-bars rect');
        assert.equal(await bars.count(), 90);
        assert.equal(await page.locator('li[data-target-id="api"] .uptime-bars rect.bad').count(), 1);
        assert.equal(await page.locator('li[data-target-id="api"] .uptime-bars rect.maint').count(), 1);
        assert.equal(await page.locator('li[data-target-id="api"] .uptime-bars rect.ok').count(), 88);
        assert.match((await page.locator('li[data-target-id="api"] .uptime-bars rect.maint title').textContent()) ?? '', /no data; 12 checks in maintenance, not counted/);

        // uptime over four windows: the down day is older than 24 h, the maintenance day is left out
        const figure = async (w: string): Promise<string | null> => page.locator(`li[data-target-id="api"] .uptime-figure[data-window="${w}"] b`).textContent();
        assert.equal(await figure('24h'), '100.00 %');
        // how many checks a window holds depends on the time of day (the seed is dense in the last 96 h): bounds
        const pct = async (w: string): Promise<number> => {
          const text = (await figure(w)) ?? '';
          assert.match(text, /^\d+\.\d\d %$/);
          return Number.parseFloat(text);
        };
        const week = await pct('7d');
        assert.ok(week > 60 && week < 90, `7 d: ${week}`);
        const quarter = await pct('90d');
        assert.ok(quarter > 85 && quarter < 99.5 && quarter > week, `90 d: ${quarter}`);
        assert.match((await page.locator('footer').textContent()) ?? '', /uptime leaves out checks made during maintenance windows/);

        // the toggle is a plain link: hourly bars without JavaScript
        await page.locator('p.toggle a', { hasText: 'last 90 hours' }).click();
        await page.waitForURL(/\?bars=hourly$/);
        assert.equal(await page.locator('p.toggle').getAttribute('data-bars'), 'hour');
        assert.equal(await page.locator('li[data-target-id="api"] .uptime-bars rect').count(), 90);
        assert.equal(await page.locator('li[data-target-id="api"] .uptime-bars rect.bad').count(), 24, 'the down day, hour by hour');
        await page.goBack();

        const chart = page.locator('li[data-target-id="api"] svg.latency-chart');
        const box = await chart.boundingBox();
        assert.ok(box !== null && box.width > 200 && box.height > 60, `chart box ${JSON.stringify(box)}`);
        const png = PNG.sync.read(await chart.screenshot());
        assert.ok(countColoredPixels(png) > png.width * png.height * 0.1, 'the chart is drawn');
      }));

    it(`a target's page on a ${viewport.name}: state, certificate, latency over a window, its incidents`, () =>
      visit('/status/cert?window=7d', viewport, 'target-page', async (page) => {
        assert.equal(await page.locator('section.target-page').getAttribute('data-state'), 'up');
        assert.equal(await page.locator('h1').textContent(), 'Shop (TLS)');
        const cert = page.locator('.certificate');
        assert.equal(await cert.getAttribute('data-days-left'), '9');
        assert.match((await cert.textContent()) ?? '', /9 days left/);
        assert.match((await cert.getAttribute('class')) ?? '', /problem/, 'below the 14-day warning');
        assert.equal(await page.locator('p.toggle[data-window="7d"] .toggle-on').textContent(), '7d');
        const tls = await page.locator('svg.latency-chart path[data-phase="tlsMs"]').getAttribute('d');
        assert.match(tls ?? '', /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){20,}Z$/, 'hourly means over 7 days');
        assert.match((await page.locator('.chart-card p.meta').textContent()) ?? '', /mean of 1 h of checks/);
        assert.equal(await page.locator('.uptime-bars rect').count(), 90);
        assert.match((await page.locator('table.incidents, p.empty').first().textContent()) ?? '', /No incidents/);
      }));

    it(`the incident history on a ${viewport.name}: paged, with cause and duration`, () =>
      visit('/incidents', viewport, 'incidents-page', async (page) => {
        const rows = page.locator('table.incidents tbody tr');
        assert.equal(await rows.count(), 50);
        const open = page.locator('table.incidents tbody tr.open');
        assert.equal(await open.count(), 1, 'the open incident comes first');
        assert.equal(await open.locator('td').first().textContent(), 'Database');
        assert.match((await open.locator('td').nth(2).textContent()) ?? '', /^ongoing, \d+ (s|min)$/);
        assert.match((await open.locator('td').nth(3).textContent()) ?? '', /^connection_refused: .+ — <script>window.__xss=3<\/script> refused \[U\+202E\]gnp\.exe$/);
        assert.equal(await page.locator('table.incidents tbody tr.closed td:nth-child(3)').first().textContent(), '10 min');
        assert.equal(await page.locator('table.incidents tbody tr td a[href="/status/api"]').first().textContent(), 'Public API');
        await page.locator('a[rel="next"]').click();
        await page.waitForURL(/\/incidents\?cursor=/);
        assert.equal(await page.locator('table.incidents tbody tr').count(), 11);
        assert.equal(await page.locator('a[rel="next"]').count(), 0, 'the last page');
        await page.locator('a', { hasText: 'Newest incidents' }).click();
        await page.waitForURL(/\/incidents$/);
        assert.equal(await page.locator('table.incidents tbody tr').count(), 50);
      }));
  }

  it("never shows the heartbeat target's push token or its hash, on any page or badge", async () => {
    for (const path of ['/', '/?bars=hourly', '/incidents', '/status/backup', '/status/backup?window=1h', '/badge/backup/status.svg', '/badge/backup/uptime.svg?window=24h']) {
      const res = await f.call('GET', path, { token: null });
      assert.equal(res.status, 200, path);
      for (const secret of SECRETS) assert.ok(!res.text.includes(secret), `${path} shows a secret`);
    }
    assert.match((await f.call('GET', '/status/backup', { token: null })).text, /HEARTBEAT \(push every 1d, grace 2h\) · no ping yet/);
  });

  it('shows a heartbeat target by its rhythm, with no latency chart (it is pushed to, not polled)', () =>
    visit('/status/backup', VIEWPORTS[0], 'heartbeat-target', async (page) => {
      assert.equal(await page.locator('.target-page .meta').first().textContent(), 'HEARTBEAT (push every 1d, grace 2h) · no ping yet');
      assert.equal(await page.locator('svg.latency-chart').count(), 0);
      assert.equal(await page.locator('h2', { hasText: 'Latency by phase' }).count(), 0);
      assert.equal(await page.locator('.target-page svg.uptime-bars rect.bar').count(), 90, 'the uptime bars stay');
      await page.goto(`${f.api.url}/`, { waitUntil: 'load' });
      const card = page.locator('li[data-target-id="backup"]');
      assert.equal(await card.locator('.meta').first().textContent(), 'HEARTBEAT (push every 1d, grace 2h) · no ping yet');
      assert.equal(await card.locator('svg.latency-chart').count(), 0);
      assert.equal(await card.locator('svg.uptime-bars rect.bar').count(), 90);
      assert.equal(await page.locator('li[data-target-id="api"] svg.latency-chart').count(), 1, 'a polled target keeps its chart');
    }));

  it('ignores query parameters a page does not take (utm_source, fbclid, repeated or not)', async () => {
    const plain = await f.call('GET', '/status/api?window=24h', { token: null });
    assert.equal(plain.status, 200);
    for (const path of ['/?utm_source=newsletter&utm_medium=email', '/?bars=hourly&fbclid=IwAR0&fbclid=again', '/status/api?window=24h&utm_campaign=launch', '/incidents?ref=twitter']) {
      const res = await f.call('GET', path, { token: null });
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    }
    const hourly = await f.call('GET', '/?bars=hourly&utm_source=x', { token: null });
    assert.match(hourly.text, /data-bars="hour"/, 'the known parameter still counts');
  });

  it('answers a bad parameter with a 400 page naming it, an unknown target with a 404 page', async () => {
    const bars = await f.call('GET', '/?bars=weekly', { token: null });
    assert.equal(bars.status, 400);
    assert.match(bars.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(bars.text, /Query parameter &quot;bars&quot;: expected one of daily, hourly, got &quot;weekly&quot;/);
    // a known parameter with a bad value is still refused, named, when unknown ones ride along
    const badWithUnknown = await f.call('GET', '/status/api?window=2y&utm_source=newsletter', { token: null });
    assert.equal(badWithUnknown.status, 400);
    assert.match(badWithUnknown.text, /Query parameter &quot;window&quot;: expected one of 1h, 6h, 24h, 7d, 30d, 90d, got &quot;2y&quot;/);
    const window = await f.call('GET', '/status/api?window=%3Cscript%3E', { token: null });
    assert.equal(window.status, 400);
    assert.match(window.text, /Query parameter &quot;window&quot;: expected one of 1h, 6h, 24h, 7d, 30d, 90d, got &quot;&lt;script&gt;&quot;/);
    const twice = await f.call('GET', '/?bars=daily&bars=hourly', { token: null });
    assert.equal(twice.status, 400);
    const huge = await f.call('GET', `/incidents?cursor=${'a'.repeat(5000)}`, { token: null });
    assert.equal(huge.status, 400);
    assert.match(huge.text, /longer than 512 characters/);
    const forged = await f.call('GET', '/incidents?cursor=forged', { token: null });
    assert.equal(forged.status, 400);
    assert.match(forged.text, /Query parameter &quot;cursor&quot;/);
    const missing = await f.call('GET', '/status/%3Cb%3Enope', { token: null });
    assert.equal(missing.status, 404);
    assert.match(missing.text, /No target with id &quot;&lt;b&gt;nope&quot;/);
    assert.doesNotMatch(missing.text, /<b>nope/);
  });
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

describe("a target page's latency chart over a busy window", () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture('chart-token');
    assert.equal((await f.call('POST', '/api/v1/targets', { body: { id: 'busy', name: 'Busy', check: { url: 'https://busy.example.test/' } } })).status, 201);
    // 3,600 checks in the last 10 h: more than the 3,000 a short window samples from
    const nowMs = Date.now();
    const batch = Array.from({ length: 3600 }, (_, i) => {
      const at = nowMs - 60_000 - i * 10_000;
      return {
        targetId: 'busy',
        dueAt: at,
        schedulingLagMs: 0,
        loopDelayMs: 0,
        result: {
          kind: 'http' as const, target: 'https://busy.example.test/', startedAt: at, status: 'up' as const, httpVersion: '1.1' as const, statusCode: 200, responseBytes: 2,
          timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 10 + (i % 7), receiveMs: 1, totalMs: 20 },
          errorKind: null, errorFamily: null, errorPhase: null, detail: null, connectionReused: false, tls: null,
        },
      };
    });
    await f.daemon.store.insertResults(batch);
    await f.daemon.store.rollup(nowMs);
  });
  after(async () => {
    await f?.close();
  });

  it('samples checks for a window that holds few, and shows hourly means for one that holds too many', async () => {
    const hour = await f.call('GET', '/status/busy?window=1h', { token: null });
    assert.equal(hour.status, 200);
    assert.match(hour.text, /Each point is one check \(evenly sampled\)\./);
    const day = await f.call('GET', '/status/busy?window=24h', { token: null });
    assert.equal(day.status, 200);
    assert.match(day.text, /Each point is the mean of 1 h of checks/);
    // 10 h of checks, hour-aligned: 10 or 11 points, each a full stack of 5 phases
    const d = /data-phase="ttfbMs" d="([^"]+)"/.exec(day.text)?.[1] ?? '';
    const points = d.split('L').length / 2;
    assert.ok(points >= 10 && points <= 12, `${points} points: ${d}`);
  });
});
