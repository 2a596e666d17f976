import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { assertFailure, assertUp, PHASES } from '../helpers/check-assertions.js';
import type { TestServer } from '../helpers/servers/test-server.js';
import { checkHttp, loopbackClients } from '../helpers/check-runner.js';
import { startH2Server, type H2ServerOptions } from '../helpers/servers/h2-catalog.js';

// HTTP/2: h2c by prior knowledge and h2 by ALPN, fresh and pooled, and servers that refuse
// streams or send GOAWAY.

async function withH2(options: H2ServerOptions, run: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startH2Server(options);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

describe('HTTP/2', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('h2c prior knowledge, fresh: up over HTTP/2, all plain-HTTP phases', async () => {
    await withH2({}, async (server) => {
      const result = await checkHttp(clients, { url: server.url, http2: 'prior-knowledge', keyword: 'h2 ok' });
      assertUp(result, 200, PHASES.httpComplete);
      assert.equal(result.httpVersion, '2');
      assert.equal(result.responseBytes, 5);
      assert.equal(result.connectionReused, false);
    });
  });

  it('h2c pooled: the second check reuses the session and has no connect phase', async () => {
    const pooled = loopbackClients();
    try {
      await withH2({}, async (server) => {
        const spec = { url: server.url, http2: 'prior-knowledge', connection: 'pooled' } as const;
        const first = await checkHttp(pooled, spec);
        assertUp(first, 200, PHASES.httpComplete);
        assert.equal(first.connectionReused, false);
        const second = await checkHttp(pooled, spec);
        assertUp(second, 200, { dns: false, connect: false, tls: false, ttfb: true, receive: true });
        assert.equal(second.connectionReused, true);
        assert.equal(server.requests.length, 2);
        await pooled.close();
      });
    } finally {
      await pooled.close();
    }
  });

  it('h2c pooled: a gzip body is decoded, a redirect followed or, unfollowed, judged as it is', async () => {
    const pooled = loopbackClients();
    try {
      await withH2({}, async (server) => {
        const base = { http2: 'prior-knowledge', connection: 'pooled' } as const;
        const gzip = await checkHttp(pooled, { ...base, url: `${server.url}gzip`, keyword: 'h2 gzip ok' });
        assertUp(gzip, 200, PHASES.httpComplete);
        assert.equal(gzip.httpVersion, '2');
        assert.equal(gzip.responseBytes, 'h2 gzip ok'.length, 'decoded bytes');
        const followed = await checkHttp(pooled, { ...base, url: `${server.url}redirect`, followRedirects: true, keyword: 'h2 gzip ok' });
        assertUp(followed, 200, { dns: false, connect: false, tls: false, ttfb: true, receive: true });
        assert.equal(followed.connectionReused, true);
        const unfollowed = await checkHttp(pooled, { ...base, url: `${server.url}redirect` });
        assertUp(unfollowed, 302, { dns: false, connect: false, tls: false, ttfb: true, receive: true });
        assert.deepEqual(server.requests.map((r) => r.path), ['/gzip', '/redirect', '/gzip', '/redirect']);
        // The idle pooled session is unref'd: close it before the server waits for it.
        await pooled.close();
      });
    } finally {
      await pooled.close();
    }
  });

  it('pooled: clients.close() settles after the server went away first', async () => {
    const pooled = loopbackClients();
    const server = await startH2Server({});
    const result = await checkHttp(pooled, { url: server.url, http2: 'prior-knowledge', connection: 'pooled' });
    assert.equal(result.status, 'up', JSON.stringify(result));
    await server.close();
    // The pool's idle sessions are unref'd: the ref'd guard keeps the loop alive while close()
    // waits for them, and turns a close() that never settles into a failed assertion.
    let guard: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      pooled.close().then(() => 'closed'),
      new Promise<string>((resolve) => {
        guard = setTimeout(() => resolve('still pending after 2 s'), 2_000);
      }),
    ]);
    clearTimeout(guard);
    assert.equal(outcome, 'closed');
  });

  it('a server that refuses every stream: h2_stream_refused', async () => {
    await withH2({ behaviour: 'refuse-stream' }, async (server) => {
      const result = await checkHttp(clients, { url: server.url, http2: 'prior-knowledge' });
      assertFailure(result, { status: 'down', errorKind: 'h2_stream_refused', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
      assert.equal(result.httpVersion, '2');
    });
  });

  it('TLS + ALPN h2 server that refuses every stream: h2_stream_refused, tls kept', async () => {
    await withH2({ behaviour: 'refuse-stream', tls: true }, async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertFailure(result, {
        status: 'down', errorKind: 'h2_stream_refused', errorPhase: 'ttfb',
        phases: { dns: false, connect: true, tls: true, ttfb: false, receive: false },
      });
      assert.equal(result.tls?.alpn, 'h2');
    });
  });

  it('GOAWAY before the stream was processed, fresh: h2_goaway', async () => {
    await withH2({ behaviour: 'goaway' }, async (server) => {
      const result = await checkHttp(clients, { url: server.url, http2: 'prior-knowledge' });
      assertFailure(result, { status: 'down', errorKind: 'h2_goaway', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
      assert.equal(server.requests.length, 0);
    });
  });

  it('GOAWAY with an error code after the request: h2_goaway', async () => {
    await withH2({ behaviour: 'goaway-error' }, async (server) => {
      const result = await checkHttp(clients, { url: server.url, http2: 'prior-knowledge' });
      assertFailure(result, { status: 'down', errorKind: 'h2_goaway', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
      assert.match(result.detail ?? '', /ENHANCE_YOUR_CALM/);
    });
  });

  it('pooled: a session that answers with GOAWAY is replaced and the unsent check still passes', async () => {
    const pooled = loopbackClients();
    try {
      await withH2({ behaviour: 'goaway', goawaySessions: 1 }, async (server) => {
        const result = await checkHttp(pooled, { url: server.url, http2: 'prior-knowledge', connection: 'pooled', keyword: 'h2 ok' });
        assert.equal(result.status, 'up', JSON.stringify(result));
        assert.equal(result.httpVersion, '2');
        assert.equal(server.requests.length, 1, 'the stream was processed once, on the second session');
        await pooled.close();
      });
    } finally {
      await pooled.close();
    }
  });
});
