import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import type { HttpCheckInput } from '../../src/domain/check-spec.js';
import { assertFailure, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, checkTcp, loopbackClients, withServer } from '../helpers/check-runner.js';
import * as raw from '../helpers/servers/raw-catalog.js';

// A server that accepts the TCP connection and then resets it, for every protocol and
// connection policy. The TCP handshake completed (the server accepted), so the failure never
// belongs to `connect`: connectMs is present, and the phase is the one the check was in when
// the reset arrived — `send` while nothing of the request was handed over, `ttfb` after.
//
// With the server in this process the order of events is fixed: a reset inside the accept
// callback lands before the client's event loop sees its connect complete (libuv then
// reports the RST as the connect's own error, syscall "connect"); a reset after reading the
// first bytes lands after the client wrote them.

type Variant = Pick<HttpCheckInput, 'http2' | 'connection'>;

const H1_FRESH: Variant = {};
const H1_POOLED: Variant = { connection: 'pooled' };
const H2C_FRESH: Variant = { http2: 'prior-knowledge' };
const H2C_POOLED: Variant = { http2: 'prior-knowledge', connection: 'pooled' };


describe('accept, then reset: the connect phase completed', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  const resetOnAccept = (name: string, variant: Variant): void => {
    it(`reset on accept, ${name}: connection_reset in send, connectMs kept`, async () => {
      await withServer(raw.startResetOnAccept(), async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...variant });
        assertFailure(result, { status: 'down', errorKind: 'connection_reset', errorPhase: 'send', phases: PHASES.httpNoHeaders });
        assert.equal(result.statusCode, null);
        assert.equal(result.connectionReused, false);
        assert.equal(server.requests.length, 0, 'the server read nothing');
      });
    });
  };
  resetOnAccept('HTTP/1.1 fresh', H1_FRESH);
  resetOnAccept('h2c fresh (--h2c)', H2C_FRESH);
  resetOnAccept('HTTP/1.1 pooled', H1_POOLED);
  resetOnAccept('h2c pooled', H2C_POOLED);

  it('reset on accept, TCP check: up (the handshake completed), connectMs kept, nothing else', async () => {
    await withServer(raw.startResetOnAccept(), async (server) => {
      const { port } = new URL(server.url);
      // Against a server in this process the reset always lands before the connect is seen
      // (see above); either order must give the same answer.
      for (let i = 0; i < 5; i++) {
        const result = await checkTcp(clients, { host: '127.0.0.1', port: Number(port) });
        assert.equal(result.status, 'up', JSON.stringify(result));
        assert.equal(result.errorKind, null);
        assert.equal(typeof result.timings.connectMs, 'number');
        assert.equal(result.timings.ttfbMs, null);
      }
    });
  });

  it('reset after the request head, HTTP/1.1 fresh: connection_reset in ttfb', async () => {
    await withServer(raw.startResetAfterRequest(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, ...H1_FRESH });
      assertFailure(result, { status: 'down', errorKind: 'connection_reset', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
      assert.equal(result.httpVersion, '1.1');
      assert.equal(server.requests.length, 1);
    });
  });

  it('reset after the connection preface, h2c fresh (--h2c): connection_reset in ttfb', async () => {
    // The raw server's request reader stops at the preface's first blank line
    // ("PRI * HTTP/2.0\r\n\r\n"): the client had handed its request to nghttp2 by then.
    await withServer(raw.startResetAfterRequest(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, ...H2C_FRESH });
      assertFailure(result, { status: 'down', errorKind: 'connection_reset', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
      assert.equal(result.httpVersion, '2');
      assert.deepEqual(server.requests.map((r) => r.method), ['PRI']);
    });
  });

  it('reset after the connection preface, h2c pooled: connection_reset in send (no stream was opened)', async () => {
    // A pooled session opens its first stream only once the server's SETTINGS arrived, so
    // the request was never sent: send, not ttfb — and not connect, which had completed.
    const pooled = loopbackClients();
    try {
      await withServer(raw.startResetAfterRequest(), async (server) => {
        const result = await checkHttp(pooled, { url: server.url, ...H2C_POOLED });
        assertFailure(result, { status: 'down', errorKind: 'connection_reset', errorPhase: 'send', phases: PHASES.httpNoHeaders });
        assert.equal(result.httpVersion, '2');
        assert.equal(result.connectionReused, false);
        assert.deepEqual(server.requests.map((r) => r.method), ['PRI']);
      });
    } finally {
      await pooled.close();
    }
  });
});
