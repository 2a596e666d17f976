import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { assertFailure, assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import {
  startCrossOriginRedirect,
  startMethodRedirects,
  startRedirectChain,
  startRedirectLoop,
  startRedirectTo,
} from '../helpers/servers/http-catalog.js';

// Redirects: followed only when asked, at most maxRedirects; 301/302/303 → body-less GET,
// 307/308 keep method and body; credentials never leave the original origin. Phases
// describe the last hop, totalMs the whole chain.

describe('redirects', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('a loop: too_many_redirects after maxRedirects + 1 requests', async () => {
    await withServer(startRedirectLoop(), async (server) => {
      const result = await checkHttp(clients, { url: new URL('/a', server.url).href, followRedirects: true, maxRedirects: 5 });
      assertFailure(result, { status: 'down', errorKind: 'too_many_redirects', errorPhase: 'receive', phases: PHASES.httpComplete });
      assert.equal(result.statusCode, 302);
      assert.equal(server.requests.length, 6);
    });
  });

  it('a chain of exactly maxRedirects hops: followed to the 200', async () => {
    await withServer(startRedirectChain(), async (server) => {
      const result = await checkHttp(clients, { url: new URL('/hop/3', server.url).href, followRedirects: true, maxRedirects: 3, keyword: 'arrived' });
      assertUp(result, 200, PHASES.httpComplete);
      assert.deepEqual(server.requests.map((r) => r.path), ['/hop/3', '/hop/2', '/hop/1', '/hop/0']);
      const t = result.timings;
      assert.ok((t.connectMs ?? 0) + (t.ttfbMs ?? 0) + (t.receiveMs ?? 0) <= t.totalMs);
    });
  });

  it('redirects off: the 3xx itself is judged by expectStatus', async () => {
    await withServer(startRedirectTo('/elsewhere', 301), async (server) => {
      assertUp(await checkHttp(clients, { url: server.url }), 301, PHASES.httpComplete);
      const strict = await checkHttp(clients, { url: server.url, expectStatus: 200 });
      assertFailure(strict, { status: 'down', errorKind: 'unexpected_status', errorPhase: 'receive', phases: PHASES.httpComplete });
      assert.equal(server.requests.length, 2, 'nothing followed');
    });
  });

  it('a 3xx without Location: invalid_redirect', async () => {
    await withServer(startRedirectTo('', 302), async (server) => {
      const result = await checkHttp(clients, { url: server.url, followRedirects: true });
      assertFailure(result, { status: 'down', errorKind: 'invalid_redirect', errorPhase: 'receive', phases: PHASES.httpComplete });
    });
  });

  it('a redirect to a non-HTTP scheme: invalid_redirect', async () => {
    await withServer(startRedirectTo('ftp://127.0.0.1/file', 302), async (server) => {
      const result = await checkHttp(clients, { url: server.url, followRedirects: true });
      assertFailure(result, { status: 'down', errorKind: 'invalid_redirect', errorPhase: 'receive', phases: PHASES.httpComplete });
    });
  });

  for (const code of [301, 302, 303] as const) {
    it(`${code} after a POST: the next hop is a GET without a body`, async () => {
      await withServer(startMethodRedirects(), async (server) => {
        const result = await checkHttp(clients, {
          url: new URL(`/${code}`, server.url).href, method: 'POST', body: 'payload=1', followRedirects: true, keyword: 'final GET ',
        });
        assertUp(result, 200, PHASES.httpComplete);
        const second = server.requests[1];
        assert.deepEqual([second?.method, second?.body, second?.headers['content-length']], ['GET', '', undefined]);
      });
    });
  }

  for (const code of [307, 308] as const) {
    it(`${code} after a POST: method and body kept`, async () => {
      await withServer(startMethodRedirects(), async (server) => {
        const result = await checkHttp(clients, {
          url: new URL(`/${code}`, server.url).href, method: 'POST', body: 'payload=1', followRedirects: true, keyword: 'final POST payload=1',
        });
        assertUp(result, 200, PHASES.httpComplete);
        assert.deepEqual(server.requests.map((r) => [r.method, r.body]), [['POST', 'payload=1'], ['POST', 'payload=1']]);
      });
    });
  }

  it('same-origin redirect keeps credentials', async () => {
    await withServer(startMethodRedirects(), async (server) => {
      await checkHttp(clients, {
        url: new URL('/302', server.url).href, followRedirects: true,
        auth: { type: 'bearer', token: 'secret-token' }, headers: { cookie: 'session=abc' },
      });
      assert.equal(server.requests[1]?.headers['authorization'], 'Bearer secret-token');
      assert.equal(server.requests[1]?.headers['cookie'], 'session=abc');
    });
  });

  for (const code of [302, 307] as const) {
    it(`cross-origin ${code}: Authorization, Cookie and X-Api-Key dropped, other headers kept`, async () => {
      const pair = await startCrossOriginRedirect(code);
      try {
        const result = await checkHttp(clients, {
          url: pair.a.url, followRedirects: true, keyword: 'landed',
          auth: { type: 'basic', username: 'user', password: 'pass' },
          headers: { cookie: 'session=abc', 'x-api-key': 'k-123', 'x-trace': 'keep-me' },
        });
        assertUp(result, 200, PHASES.httpComplete);
        assert.equal(pair.a.requests[0]?.headers['authorization'], `Basic ${Buffer.from('user:pass').toString('base64')}`);
        assert.equal(pair.a.requests[0]?.headers['cookie'], 'session=abc');
        const landed = pair.b.requests[0]?.headers ?? {};
        assert.deepEqual(
          { authorization: landed['authorization'], cookie: landed['cookie'], apiKey: landed['x-api-key'], trace: landed['x-trace'] },
          { authorization: undefined, cookie: undefined, apiKey: undefined, trace: 'keep-me' },
        );
        assert.ok(!JSON.stringify(result).includes('pass'), 'credentials never appear in the result');
      } finally {
        await pair.close();
      }
    });
  }
});
