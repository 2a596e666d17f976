import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { assertFailure, assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import * as raw from '../helpers/servers/raw-catalog.js';
import { startBadGzip, startEncodedBody } from '../helpers/servers/http-catalog.js';

// What real servers send: framing and encodings the HTTP/1.1 reader must get right. The
// keyword assertions prove the body was read (and decoded) exactly, not just the status.

describe('HTTP/1.1 framing and encodings', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('chunked with extensions and trailers: body de-chunked exactly', async () => {
    await withServer(raw.startChunkedWithTrailers(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'hello world', timeoutMs: 1_000 });
      assertUp(result, 200, PHASES.httpComplete);
      assert.equal(result.responseBytes, 11);
    });
  });

  it('close-delimited body: read until the server closes', async () => {
    await withServer(raw.startCloseDelimited(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'until close', timeoutMs: 1_000 });
      assertUp(result, 200, PHASES.httpComplete);
      assert.equal(result.responseBytes, 11);
    });
  });

  it('100 and 103 interim responses before the 200: the 200 is the answer', async () => {
    await withServer(raw.startInterimResponses(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'final', expectStatus: 200, timeoutMs: 1_000 });
      assertUp(result, 200, PHASES.httpComplete);
      assert.equal(result.responseBytes, 5);
    });
  });

  it('204 with a stray Content-Length: no body awaited', async () => {
    await withServer(raw.startNoBodyStatus(204), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: 1_000 });
      assertUp(result, 204, PHASES.httpComplete);
      assert.equal(result.responseBytes, 0);
    });
  });

  it('304 is judged by expectStatus (default 200-399 includes it)', async () => {
    await withServer(raw.startNoBodyStatus(304), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: 1_000 });
      assertUp(result, 304, PHASES.httpComplete);
    });
  });

  it('HEAD reads nothing, even with Content-Length: 1000 on an open connection', async () => {
    await withServer(raw.startHeadAware(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, method: 'HEAD', timeoutMs: 1_000 });
      assertUp(result, 200, PHASES.httpComplete);
      assert.equal(result.responseBytes, null, 'no body was read');
      assert.equal(server.requests[0]?.method, 'HEAD');
    });
  });

  it('GET on the same server reads the 1000-byte body', async () => {
    await withServer(raw.startHeadAware(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: 1_000 });
      assertUp(result, 200, PHASES.httpComplete);
      assert.equal(result.responseBytes, 1000);
    });
  });

  it('Content-Length together with Transfer-Encoding: refused as invalid_response (smuggling guard)', async () => {
    // RFC 9112 §6.3: such a message "ought to be handled as an error"; llhttp in strict mode does.
    await withServer(raw.startConflictingLength(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: 1_000 });
      assertFailure(result, { status: 'down', errorKind: 'invalid_response', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
    });
  });

  it('bare LF line endings: accepted', async () => {
    await withServer(raw.startLfOnly(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'lf only', timeoutMs: 1_000 });
      assertUp(result, 200, PHASES.httpComplete);
      assert.equal(result.responseBytes, 7);
    });
  });

  for (const encoding of ['gzip', 'br'] as const) {
    it(`${encoding}-encoded body: decoded before the keyword check, decoded size reported`, async () => {
      const text = `compressed with ${encoding}: ${'lorem ipsum '.repeat(50)}`;
      await withServer(startEncodedBody(encoding, text), async (server) => {
        const result = await checkHttp(clients, { url: server.url, keyword: `compressed with ${encoding}` });
        assertUp(result, 200, PHASES.httpComplete);
        assert.equal(result.responseBytes, Buffer.byteLength(text));
      });
    });
  }

  it('a body that is not the gzip it claims: decode, when a keyword needs the body', async () => {
    await withServer(startBadGzip(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'gzip' });
      assertFailure(result, { status: 'down', errorKind: 'decode', errorPhase: 'receive', phases: PHASES.httpComplete });
    });
  });

  it('a body that is not the gzip it claims: still up when nothing needs the body', async () => {
    await withServer(startBadGzip(), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertUp(result, 200, PHASES.httpComplete);
    });
  });
});
