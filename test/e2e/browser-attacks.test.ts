/**
 * The two browser attacks on a token-less loopback daemon, in headless Chromium:
 * - CSRF: a page from another loopback origin POSTs a target as an untyped Blob (no CORS
 *   preflight for that) and with text/plain; the daemon must not create it.
 * - DNS rebinding: a name that resolves to 127.0.0.1 (Chromium's --host-resolver-rules)
 *   loads the daemon as its own origin; the daemon must not serve it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startApiFixture, type ApiFixture } from '../api/helpers/api-fixture.js';
import { CHROMIUM_SKIP, launchChromium } from '../helpers/chromium.js';

const REBIND_NAME = 'rebind.vigil.test';
const skip = CHROMIUM_SKIP;

/** The attacker's page: tries to create a target on the daemon in the ways that need no preflight. */
function attackerPage(daemonUrl: string): string {
  const body = (id: string) => JSON.stringify({ id, name: id, check: { kind: 'tcp', host: '127.0.0.1', port: 9 } });
  return `<!doctype html><title>attacker</title><script>
  const url = ${JSON.stringify(`${daemonUrl}/api/v1/targets`)};
  const tries = [
    // the attack as reported: default (cors) mode, an untyped Blob needs no preflight
    fetch(url, { method: 'POST', body: new Blob([${JSON.stringify(body('csrf-blob'))}]) }),
    // no-cors: the page never sees the answer, but the promise resolves only once it arrived
    fetch(url, { method: 'POST', mode: 'no-cors', body: new Blob([${JSON.stringify(body('csrf-nocors'))}]) }),
    fetch(url, { method: 'POST', mode: 'no-cors', body: ${JSON.stringify(body('csrf-text'))}, headers: { 'content-type': 'text/plain' } }),
  ];
  Promise.allSettled(tries).then((r) => { window.__done = r.map((x) => x.status); });
  </script>`;
}

function startPageServer(host: string, html: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html());
  });
  return new Promise((resolve) => {
    server.listen(0, host, () => resolve({ url: `http://${host}:${(server.address() as AddressInfo).port}/`, server }));
  });
}

describe('browser attacks on a loopback daemon without a token', { skip }, () => {
  let f: ApiFixture;
  let browser: Browser;
  const servers: Server[] = [];

  before(async () => {
    f = await startApiFixture(null);
    browser = await launchChromium([`--host-resolver-rules=MAP ${REBIND_NAME} 127.0.0.1`]);
  });
  after(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await f?.close();
  });

  for (const attacker of [
    { name: 'another port on 127.0.0.1 (same site)', host: '127.0.0.1' },
    { name: '127.0.0.2 (cross site)', host: '127.0.0.2' },
  ]) {
    it(`a page from ${attacker.name} cannot create a target`, async () => {
      const page = await startPageServer(attacker.host, () => attackerPage(f.api.url));
      servers.push(page.server);
      const context = await browser.newContext();
      const tab = await context.newPage();
      // The page may not read a cross-origin answer; the DevTools protocol sees the status
      // on the wire (when Chromium reports it: under heavy load some events come late).
      const cdp = await context.newCDPSession(tab);
      const urls = new Map<string, string>();
      const statuses: number[] = [];
      cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
      cdp.on('Network.responseReceivedExtraInfo', (e) => {
        if (urls.get(e.requestId)?.startsWith(f.api.url) === true) statuses.push(e.statusCode);
      });
      await cdp.send('Network.enable');
      try {
        await tab.goto(page.url, { waitUntil: 'load' });
        const settled = (await tab.waitForFunction(() => (globalThis as unknown as { __done?: string[] }).__done, undefined, { timeout: 15_000 })).jsonValue();
        // The no-cors requests resolved, so the daemon did answer them (this test can fail).
        assert.deepEqual(((await settled) as string[]).slice(1), ['fulfilled', 'fulfilled']);
        assert.ok(statuses.every((s) => s === 403), `statuses seen: ${statuses.join(', ')}`);
        for (const id of ['csrf-blob', 'csrf-text', 'csrf-nocors']) assert.equal(f.daemon.getTarget(id), undefined, id);
        assert.equal(f.daemon.listTargets().length, 0);
      } finally {
        await context.close();
      }
    });
  }

  it('a name rebound to 127.0.0.1 gets 421 for the status page and the API', async () => {
    const port = new URL(f.api.url).port;
    const context = await browser.newContext();
    const tab = await context.newPage();
    try {
      const pageAnswer = await tab.goto(`http://${REBIND_NAME}:${port}/`, { waitUntil: 'load' });
      assert.equal(pageAnswer?.status(), 421);
      assert.match((await pageAnswer?.text()) ?? '', /misdirected_host/);
      // Same origin for the browser now: the page may read the answer, and it is a refusal.
      const api = await tab.evaluate(async () => {
        const res = await fetch('/api/v1/targets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'rebound', name: 'rebound', check: { kind: 'tcp', host: '127.0.0.1', port: 9 } }) });
        return { status: res.status, text: await res.text() };
      });
      assert.equal(api.status, 421);
      assert.equal(f.daemon.getTarget('rebound'), undefined);
      // The control: the daemon's own origin works in the same browser.
      const own = await tab.goto(`${f.api.url}/`, { waitUntil: 'load' });
      assert.equal(own?.status(), 200);
    } finally {
      await context.close();
    }
  });
});
