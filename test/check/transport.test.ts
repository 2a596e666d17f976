import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { assertFailure, assertUp, PHASES, type ExpectedFailure } from '../helpers/check-assertions.js';
import type { TestServer } from '../helpers/servers/test-server.js';
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

  // One row per misbehaving server: what the check must report and which phases completed.
  const failures: ReadonlyArray<{
    readonly name: string;
    readonly start: () => Promise<TestServer>;
    readonly expect: ExpectedFailure;
    readonly statusCode?: number | null;
  }> = [
    { name: 'reset after the request: connection_reset while waiting for headers', start: raw.startResetAfterRequest, expect: { status: 'down', errorKind: 'connection_reset', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders } },
    { name: 'clean close before headers: no_response', start: raw.startCloseBeforeHeaders, expect: { status: 'down', errorKind: 'no_response', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders } },
    { name: 'malformed status line: invalid_response', start: raw.startMalformedStatusLine, expect: { status: 'down', errorKind: 'invalid_response', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders }, statusCode: null },
    { name: 'a non-HTTP banner: invalid_response', start: raw.startGarbageResponse, expect: { status: 'down', errorKind: 'invalid_response', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders } },
    { name: 'headers over 64 KiB: response_headers_too_large', start: raw.startHugeHeaders, expect: { status: 'down', errorKind: 'response_headers_too_large', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders } },
    // the status line that did arrive is reported
    { name: 'body cut short by the server: invalid_response in receive, ttfb kept', start: raw.startTruncatedBody, expect: { status: 'down', errorKind: 'invalid_response', errorPhase: 'receive', phases: PHASES.httpNoBodyEnd }, statusCode: 200 },
  ];
  for (const row of failures) {
    it(row.name, async () => {
      await withServer(row.start(), async (server) => {
        const result = await checkHttp(clients, { url: server.url });
        assertFailure(result, row.expect);
        assert.equal(server.requests.length, 1, 'the request arrived once');
        if (row.statusCode !== undefined) assert.equal(result.statusCode, row.statusCode);
      });
    });
  }

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
