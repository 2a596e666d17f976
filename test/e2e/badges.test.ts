import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startApiFixture, type ApiFixture } from '../api/helpers/api-fixture.js';
import { CHROMIUM_SKIP, launchChromium } from '../helpers/chromium.js';
import { startFixedResponse } from '../helpers/servers/http-catalog.js';
import type { TestServer } from '../helpers/servers/test-server.js';
import { seedHistory } from './seed-history.js';

const XSS_NAME = `<script>window.__xss=1</script>"'& ]]>`;

describe('badges', () => {
  let f: ApiFixture;
  let ok: TestServer;

  before(async () => {
    f = await startApiFixture('badge-token');
    ok = await startFixedResponse(200, 'ok');
    for (const body of [
      { id: 'api', name: 'Public API', check: { url: ok.url, auth: { type: 'bearer', token: 'BADGESECRET' } } },
      { id: 'xss', name: XSS_NAME, check: { url: ok.url } },
      { id: 'fresh', name: 'Fresh', check: { url: ok.url } },
    ]) {
      assert.equal((await f.call('POST', '/api/v1/targets', { body })).status, 201);
    }
    await seedHistory(f.daemon.store, ['api'], Date.now());
    await f.daemon.runScheduledCheck('api', 1);
    await f.daemon.runScheduledCheck('xss', 1);
  });
  after(async () => {
    await f?.close();
    await ok?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => f.call('GET', path, { token: null, headers });

  it('status.svg: the current state, public, cacheable for a minute, revalidated by ETag', async () => {
    const res = await get('/badge/api/status.svg');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="20" role="img" aria-label="Public API: up">/);
    assert.match(res.text, /fill="#4c1"/);
    assert.doesNotMatch(res.text, /BADGESECRET|127\.0\.0\.1/);
    const etag = res.headers.get('etag') ?? '';
    assert.match(etag, /^"[\w-]{22}"$/);
    const again = await get('/badge/api/status.svg', { 'if-none-match': `W/${etag}, "other"` });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    assert.equal((await get('/badge/api/status.svg', { 'if-none-match': '"stale"' })).status, 200);
    const fresh = await get('/badge/fresh/status.svg');
    assert.match(fresh.text, /aria-label="Fresh: pending"/);
    assert.match(fresh.text, /fill="#9f9f9f"/);
  });

  it('uptime.svg: over a window (default 30d), maintenance left out', async () => {
    const thirty = await get('/badge/api/uptime.svg');
    assert.equal(thirty.status, 200);
    assert.match(thirty.text, /aria-label="Public API: uptime 30d \d+\.\d\d% \(maintenance left out\)"/);
    assert.match(thirty.text, />uptime 30d<\/text>/);
    const day = await get('/badge/api/uptime.svg?window=24h');
    assert.match(day.text, />100\.00%<\/text>/);
    assert.match(day.text, /fill="#4c1"/);
    const none = await get('/badge/fresh/uptime.svg?window=1h');
    assert.match(none.text, />no data<\/text>/);
  });

  it('answers an unknown target with a 404 badge and a bad parameter with a 400 badge naming it', async () => {
    const missing = await get('/badge/nope/status.svg');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
    assert.equal(missing.headers.get('cache-control'), 'no-store');
    assert.match(missing.text, />not found<\/text>/);
    assert.equal((await get('/badge/nope/uptime.svg?window=30d')).status, 404);
    const bad = await get('/badge/api/uptime.svg?window=1y');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<title>Query parameter &quot;window&quot;: expected one of 1h, 24h, 7d, 30d, 90d, got &quot;1y&quot;.<\/title>/);
    assert.match(bad.text, />bad request<\/text>/);
    // a parameter the badge does not take is ignored: same badge, same ETag
    const plain = await get('/badge/api/status.svg');
    const unknown = await get('/badge/api/status.svg?style=flat&utm_source=readme');
    assert.equal(unknown.status, 200);
    assert.equal(unknown.headers.get('etag'), plain.headers.get('etag'));
    assert.equal(unknown.text, plain.text);
    const badWithUnknown = await get('/badge/api/uptime.svg?utm_source=readme&window=junk');
    assert.equal(badWithUnknown.status, 400);
    assert.match(badWithUnknown.text, /<title>Query parameter &quot;window&quot;: expected one of 1h, 24h, 7d, 30d, 90d, got &quot;junk&quot;.<\/title>/);
    const twice = await get('/badge/api/uptime.svg?window=1h&window=7d');
    assert.equal(twice.status, 400);
    assert.equal((await f.call('POST', '/badge/api/status.svg', { token: null })).status, 405);
  });

  it('keeps a hostile target name as text (escaped, cut to 40 characters)', async () => {
    const res = await get('/badge/xss/status.svg');
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.text, /<script>/);
    assert.match(res.text, /&lt;script&gt;window.__xss=1&lt;\/script&gt;&quot;&#39;&amp; \]\]&gt;/);
  });

  describe('in headless Chromium', { skip: CHROMIUM_SKIP }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });

    it('draws as an image in a page and runs nothing when opened as a document', async () => {
      const page = await browser.newPage();
      try {
        // the badge as a document: an SVG with a hostile name parses and runs no script
        const doc = await page.goto(`${f.api.url}/badge/xss/status.svg`);
        assert.equal(doc?.status(), 200);
        assert.equal(await page.evaluate('window.__xss'), undefined);
        assert.equal(await page.evaluate('document.documentElement.localName'), 'svg');
        assert.equal(await page.evaluate('document.querySelectorAll("script").length'), 0);
        // as a README would use it: an <img> on a page of the daemon's origin
        await page.goto(`${f.api.url}/incidents`);
        const sizes = await page.evaluate(`Promise.all(['/badge/api/status.svg', '/badge/api/uptime.svg?window=7d', '/badge/nope/status.svg'].map((src) => new Promise((resolve) => {
          const img = new Image();
          img.onload = () => resolve([img.naturalWidth, img.naturalHeight]);
          img.onerror = () => resolve('error');
          img.src = src;
        })))`);
        const [status, uptime, missing] = sizes as Array<[number, number] | 'error'>;
        for (const size of [status, uptime, missing]) {
          assert.ok(Array.isArray(size) && size[0] > 40 && size[1] === 20, `badge drawn: ${JSON.stringify(size)}`);
        }
      } finally {
        await page.close();
      }
    });
  });
});
