import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { buildClients, executeCheck } from '../../index.js';
import { defineHttpCheck } from '../../../domain/check-spec.js';
import { respondText, serveH2 } from '../../../../test/helpers/servers/h2-catalog.js';
import { fixtureCa } from '../../../../test/helpers/certs.js';

// End to end through executeCheck: the orchestrator's connector, budget and verdict with
// this directory's HTTP/2 engine and session pool.

test('pooled h2c prior knowledge: up, HTTP/2, second check reuses the session', async () => {
  const server = await serveH2((stream) => respondText(stream, 200, 'pooled ok'));
  const clients = buildClients({ allowPrivateTargets: true });
  try {
    const spec = defineHttpCheck({ url: `${server.origin}/health`, http2: 'prior-knowledge', connection: 'pooled', keyword: 'pooled' });
    const first = await executeCheck(spec, clients);
    const second = await executeCheck(spec, clients);
    for (const result of [first, second]) {
      assert.equal(result.status, 'up', JSON.stringify(result));
      assert.equal(result.httpVersion, '2');
      assert.equal(result.statusCode, 200);
      assert.equal(result.errorKind, null);
      assert.ok(result.timings.ttfbMs !== null && result.timings.receiveMs !== null);
    }
    assert.equal(first.connectionReused, false);
    assert.ok(first.timings.connectMs !== null, 'the opener measured connect');
    assert.equal(second.connectionReused, true);
    assert.equal(second.timings.connectMs, null, 'a reused session has no connect phase');
    assert.equal(server.connections, 1);
  } finally {
    await clients.close();
    await server.close();
  }
});

test('fresh h2 over TLS (ALPN) and fresh h2c prior knowledge: one connection per check', async () => {
  const tlsServer = await serveH2((stream) => respondText(stream, 200, 'tls'), { tls: true });
  const h2cServer = await serveH2((stream) => respondText(stream, 200, 'h2c'));
  const clients = buildClients({ allowPrivateTargets: true, ca: fixtureCa() });
  try {
    const tls = await executeCheck(defineHttpCheck({ url: `${tlsServer.origin}/` }), clients);
    assert.equal(tls.status, 'up', JSON.stringify(tls));
    assert.equal(tls.httpVersion, '2');
    assert.equal(tls.tls?.alpn, 'h2');
    assert.ok(tls.timings.tlsMs !== null && tls.timings.ttfbMs !== null);
    const spec = defineHttpCheck({ url: `${h2cServer.origin}/`, http2: 'prior-knowledge' });
    const a = await executeCheck(spec, clients);
    const b = await executeCheck(spec, clients);
    assert.equal(a.status, 'up', JSON.stringify(a));
    assert.equal(b.connectionReused, false);
    assert.equal(h2cServer.connections, 2);
  } finally {
    await clients.close();
    await tlsServer.close();
    await h2cServer.close();
  }
});

test('refused stream and GOAWAY become down results with their kinds and phase ttfb', async () => {
  const server = await serveH2((stream, headers) => {
    if (headers[':path'] === '/refuse') stream.close(constants.NGHTTP2_REFUSED_STREAM);
    else {
      stream.session?.goaway(constants.NGHTTP2_NO_ERROR);
      setTimeout(() => stream.session?.destroy(), 20);
    }
  });
  const clients = buildClients({ allowPrivateTargets: true });
  try {
    for (const connection of ['fresh', 'pooled'] as const) {
      const refused = await executeCheck(defineHttpCheck({ url: `${server.origin}/refuse`, http2: 'prior-knowledge', connection }), clients);
      assert.equal(refused.status, 'down');
      assert.equal(refused.errorKind, 'h2_stream_refused');
      assert.equal(refused.errorPhase, 'ttfb');
      assert.equal(refused.timings.ttfbMs, null);
      const goaway = await executeCheck(defineHttpCheck({ url: `${server.origin}/goaway`, http2: 'prior-knowledge', connection }), clients);
      assert.equal(goaway.status, 'down');
      assert.equal(goaway.errorKind, 'h2_goaway', JSON.stringify(goaway));
      assert.equal(goaway.errorPhase, 'ttfb');
    }
  } finally {
    await clients.close();
    await server.close();
  }
});

test('headers slower than the budget: timeout within a few ms of timeoutMs, stream cancelled', async () => {
  let serverRst = -1;
  const server = await serveH2((stream) => stream.once('close', () => (serverRst = stream.rstCode)));
  const clients = buildClients({ allowPrivateTargets: true });
  try {
    const result = await executeCheck(defineHttpCheck({ url: `${server.origin}/`, http2: 'prior-knowledge', connection: 'pooled', timeoutMs: 200 }), clients);
    assert.equal(result.status, 'down');
    assert.equal(result.errorKind, 'timeout');
    assert.equal(result.errorPhase, 'ttfb');
    assert.ok(result.timings.totalMs >= 200 && result.timings.totalMs < 260, `totalMs ${result.timings.totalMs}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(serverRst, constants.NGHTTP2_CANCEL);
  } finally {
    await clients.close();
    await server.close();
  }
});
