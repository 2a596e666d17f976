import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { assertFailure, assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, checkTcp, loopbackClients, withServer } from '../helpers/check-runner.js';
import * as raw from '../helpers/servers/raw-catalog.js';
import { startFixedResponse } from '../helpers/servers/http-catalog.js';

// Transport failures: the exchange never completed. Every target is an IP literal, so dnsMs
// is always null; each case pins status, kind, phase and which phases completed.

describe('transport failures (HTTP/1.1 over loopback)', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('refused port: connection_refused in connect, no phase completed', async () => {
    const server = await raw.startRefusedPort();
    const result = await checkHttp(clients, { url: server.url });
    assertFailure(result, { status: 'down', errorKind: 'connection_refused', errorPhase: 'connect', phases: PHASES.none });
    assert.equal(result.statusCode, null);
    assert.equal(result.httpVersion, null);
  });

  it('reset after the request: connection_reset while waiting for headers', async () => {
    await withServer(raw.startResetAfterRequest(), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertFailure(result, { status: 'down', errorKind: 'connection_reset', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
      assert.equal(server.requests.length, 1);
    });
  });

  it('clean close before headers: no_response', async () => {
    await withServer(raw.startCloseBeforeHeaders(), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertFailure(result, { status: 'down', errorKind: 'no_response', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
    });
  });

  it('malformed status line: invalid_response', async () => {
    await withServer(raw.startMalformedStatusLine(), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertFailure(result, { status: 'down', errorKind: 'invalid_response', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
      assert.equal(result.statusCode, null);
    });
  });

  it('a non-HTTP banner: invalid_response', async () => {
    await withServer(raw.startGarbageResponse(), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertFailure(result, { status: 'down', errorKind: 'invalid_response', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
    });
  });

  it('headers over 64 KiB: response_headers_too_large', async () => {
    await withServer(raw.startHugeHeaders(), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertFailure(result, { status: 'down', errorKind: 'response_headers_too_large', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
    });
  });

  it('body cut short by the server: invalid_response in receive, ttfb kept', async () => {
    await withServer(raw.startTruncatedBody(), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertFailure(result, { status: 'down', errorKind: 'invalid_response', errorPhase: 'receive', phases: PHASES.httpNoBodyEnd });
      assert.equal(result.statusCode, 200, 'the status line that did arrive is reported');
    });
  });

  it('headers delayed by D ms: up, ttfbMs >= D, phases within total', async () => {
    const delayMs = 120;
    await withServer(raw.startSlowHeaders(delayMs), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: 2_000 });
      assertUp(result, 200, PHASES.httpComplete);
      assert.ok((result.timings.ttfbMs ?? 0) >= delayMs - 1, `ttfbMs ${result.timings.ttfbMs} < ${delayMs}`);
      assert.ok(result.timings.totalMs >= delayMs);
    });
  });

  it('a fast server: every HTTP phase present, 1.1, exact byte count', async () => {
    await withServer(startFixedResponse(200, 'hello'), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertUp(result, 200, PHASES.httpComplete);
      assert.equal(result.httpVersion, '1.1');
      assert.equal(result.responseBytes, 5);
      assert.equal(result.tls, null);
      assert.equal(result.connectionReused, false);
      assert.equal(result.target, server.url);
      const sent = server.requests[0];
      assert.equal(sent?.headers['connection'], 'close', 'fresh checks ask the server to close');
      assert.equal(sent?.headers['accept-encoding'], 'gzip, br');
    });
  });
});

describe('TCP checks', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('a listening port: up with connectMs only', async () => {
    await withServer(startFixedResponse(200), async (server) => {
      const result = await checkTcp(clients, { host: server.host, port: server.port });
      assertUp(result, null, PHASES.tcpConnected);
      assert.equal(result.kind, 'tcp');
      assert.equal(result.target, `127.0.0.1:${server.port}`);
      assert.equal(result.httpVersion, null);
    });
  });

  it('a refused port: connection_refused in connect', async () => {
    const server = await raw.startRefusedPort();
    const result = await checkTcp(clients, { host: server.host, port: server.port });
    assertFailure(result, { status: 'down', errorKind: 'connection_refused', errorPhase: 'connect', phases: PHASES.none });
  });

  it('an IPv6 literal: target is bracketed', async () => {
    await withServer(startFixedResponse(200, 'ok'), async (v4) => {
      const result = await checkTcp(clients, { host: '::1', port: v4.port });
      // Nothing listens on [::1]:port (the server is on 127.0.0.1): refused, and the target names the v6 address.
      assert.equal(result.target, `[::1]:${v4.port}`);
      assertFailure(result, { status: 'down', errorKind: 'connection_refused', errorPhase: 'connect', phases: PHASES.none });
    });
  });
});
