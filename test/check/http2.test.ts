import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCheck, type Clients } from '../../src/check/index.js';
import type { CheckResult } from '../../src/domain/check-result.js';
import { defineHttpCheck } from '../../src/domain/check-spec.js';
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

  it('startCheck: every pooled h2c check tells its done object exactly once, answered, redirected, decoded or timed out', async () => {
    const pooled = loopbackClients();
    try {
      await withH2({ delayMs: 0 }, async (server) => {
        const base = { http2: 'prior-knowledge', connection: 'pooled' } as const;
        const specs = [
          ...Array.from({ length: 40 }, () => defineHttpCheck({ ...base, url: server.url, keyword: 'h2 ok' })),
          defineHttpCheck({ ...base, url: `${server.url}gzip`, keyword: 'h2 gzip ok' }),
          defineHttpCheck({ ...base, url: `${server.url}redirect`, followRedirects: true, keyword: 'h2 gzip ok' }),
        ];
        const told: CheckResult[] = [];
        let allTold: () => void = () => undefined;
        const whenAllTold = new Promise<void>((resolve) => (allTold = resolve));
        // One object for all of them, as the load generator's workers pass themselves.
        const done = {
          checkDone(result: CheckResult): void {
            if (told.push(result) === specs.length) allTold();
          },
        };
        for (const spec of specs) startCheck(spec, pooled, {}, done);
        await whenAllTold;
        await new Promise((resolve) => setTimeout(resolve, 50)); // a second telling would have come by now
        assert.equal(told.length, specs.length, 'each check told once');
        const byTarget = new Map<string, number>();
        for (const result of told) {
          assert.equal(result.status, 'up', JSON.stringify(result));
          assert.equal(result.httpVersion, '2');
          byTarget.set(result.target, (byTarget.get(result.target) ?? 0) + 1);
        }
        assert.deepEqual(Object.fromEntries(byTarget), { [server.url]: 40, [`${server.url}gzip`]: 1, [`${server.url}redirect`]: 1 });
        assert.equal(server.requests.length, specs.length + 1, 'the redirect made one more request');
      });
      await withH2({ delayMs: 2_000 }, async (server) => {
        const results: CheckResult[] = [];
        const result = await new Promise<CheckResult>((resolve) => {
          startCheck(defineHttpCheck({ url: server.url, http2: 'prior-knowledge', connection: 'pooled', timeoutMs: 200 }), pooled, {}, (r) => {
            results.push(r);
            resolve(r);
          });
        });
        assertFailure(result, { status: 'down', errorKind: 'timeout', errorPhase: 'ttfb', phases: { dns: false, connect: true, tls: false, ttfb: false, receive: false } });
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(results.length, 1);
        await pooled.close();
      });
    } finally {
      await pooled.close();
    }
  });
});
