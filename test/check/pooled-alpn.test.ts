import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import { startH2Server } from '../helpers/servers/h2-catalog.js';
import { startTlsServer } from '../helpers/servers/http-catalog.js';
import { fixtureCert } from '../helpers/certs.js';
import { createServer as createHttpsServer } from 'node:https';

// Pooled HTTPS with ALPN (the default `http2: 'alpn'`): every new connection offers h2 and
// http/1.1, and the origin is served the way its server picked — streams on shared HTTP/2
// sessions, or HTTP/1.1 keep-alive sockets.

const REUSED = { dns: false, connect: false, tls: false, ttfb: true, receive: true };

describe('pooled HTTPS with ALPN', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('a server that picks h2: HTTP/2 streams on one shared session', async () => {
    await withServer(startH2Server({ tls: true, allowHttp1: true }), async (server) => {
      const spec = { url: server.url, connection: 'pooled', keyword: 'h2 ok' } as const;
      const first = await checkHttp(clients, spec);
      assertUp(first, 200, PHASES.httpsComplete);
      assert.equal(first.httpVersion, '2');
      assert.equal(first.tls?.alpn, 'h2');
      assert.equal(first.connectionReused, false);
      // One after another: an idle session takes the stream (checks in flight at once may
      // open up to h2SessionsPerOrigin sessions, as with prior knowledge).
      const second = await checkHttp(clients, spec);
      const third = await checkHttp(clients, spec);
      for (const result of [second, third]) {
        assertUp(result, 200, REUSED);
        assert.equal(result.httpVersion, '2');
        assert.equal(result.connectionReused, true);
      }
      assert.equal(server.requests.length, 3);
      assert.deepEqual(clients.h2Pool.stats('https://127.0.0.1:' + server.port), { sessions: 1, activeStreams: 0, waiting: 0 });
    });
  });

  it('a server that offers only http/1.1: HTTP/1.1 keep-alive, the socket reused', async () => {
    await withServer(startTlsServer('valid'), async (server) => {
      const spec = { url: server.url, connection: 'pooled' } as const;
      const first = await checkHttp(clients, spec);
      assertUp(first, 200, PHASES.httpsComplete);
      assert.equal(first.httpVersion, '1.1');
      assert.equal(first.tls?.alpn, 'http/1.1');
      const second = await checkHttp(clients, spec);
      assertUp(second, 200, REUSED);
      assert.equal(second.httpVersion, '1.1');
      assert.equal(second.connectionReused, true);
    });
  });

  it('an origin that stops picking h2 is followed back to HTTP/1.1', async () => {
    const h2 = await startH2Server({ tls: true, allowHttp1: true });
    const port = h2.port;
    const url = `https://127.0.0.1:${port}/`;
    const first = await checkHttp(clients, { url, connection: 'pooled', keyword: 'h2 ok' });
    assert.equal(first.httpVersion, '2', JSON.stringify(first));
    await h2.close();
    // The same port now speaks HTTP/1.1 only (its ALPN offers http/1.1).
    const h1 = createHttpsServer({ ...fixtureCert('valid') }, (_req, res) => res.end('h1 only'));
    await new Promise<void>((resolve) => h1.listen(port, '127.0.0.1', resolve));
    try {
      const after = await checkHttp(clients, { url, connection: 'pooled', keyword: 'h1 only' });
      assertUp(after, 200, PHASES.httpsComplete);
      assert.equal(after.httpVersion, '1.1');
      assert.equal(after.tls?.alpn, 'http/1.1');
      assert.equal(clients.alpnChoices.get(`https://127.0.0.1:${port}`), 'http/1.1');
    } finally {
      h1.closeAllConnections();
      await new Promise((resolve) => h1.close(resolve));
    }
  });

  it('fresh HTTPS still negotiates per check (no pool, no learning)', async () => {
    await withServer(startH2Server({ tls: true, allowHttp1: true }), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'h2 ok' });
      assertUp(result, 200, PHASES.httpsComplete);
      assert.equal(result.httpVersion, '2');
      assert.equal(result.connectionReused, false);
    });
  });
});
