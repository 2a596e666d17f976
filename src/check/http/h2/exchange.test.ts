import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { once } from 'node:events';
import { CheckFailure } from '../../errors/check-failure.js';
import { exchangeHttp2 } from './exchange.js';
import { exchangeHttp2OverSocket } from './over-socket.js';
import { h2CodeName } from './h2-failure.js';
import { respondText, serveH2 } from '../../../../test/helpers/servers/h2-catalog.js';
import { budgetContext, hopRequest, openSession, sessionDeps, testLimits } from '../../../../test/helpers/h2-session.js';
import { fixtureCa } from '../../../../test/helpers/certs.js';

async function rejection(promise: Promise<unknown>): Promise<CheckFailure> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CheckFailure, `expected a CheckFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the exchange to fail');
}

test('h2c 200 with body: status, headers, body and the timings that happened', async () => {
  const server = await serveH2((stream) => respondText(stream, 200, 'hello h2'));
  const session = openSession(server.origin);
  const { ctx, dispose } = budgetContext(2000);
  try {
    const request = hopRequest(`${server.origin}/path?q=1`, { headers: [['user-agent', 'vigil-test'], ['connection', 'close'], ['host', 'example.test:8080'], ['keep-alive', '5']] });
    const response = await exchangeHttp2(session, request, ctx);
    assert.equal(response.httpVersion, '2');
    assert.equal(response.statusCode, 200);
    assert.equal(Buffer.concat(response.bodyChunks).toString(), 'hello h2');
    assert.equal(response.rawBodyBytes, 8);
    assert.equal(response.bodyTruncated, false);
    // Only the headers a check reads are kept.
    assert.deepEqual(response.headers, { contentEncoding: undefined, location: undefined, retryAfter: '7' });
    const seen = server.received[0]!;
    assert.equal(seen[':authority'], 'example.test:8080');
    assert.equal(seen[':path'], '/path?q=1');
    assert.equal(seen['user-agent'], 'vigil-test');
    assert.equal(seen['connection'], undefined);
    const t = ctx.timer.finish();
    assert.ok(t.ttfbMs !== null && t.ttfbMs >= 0);
    assert.ok(t.receiveMs !== null && t.receiveMs >= 0);
    assert.equal(ctx.phase, 'receive');
  } finally {
    dispose();
    session.destroy();
    await server.close();
  }
});

test('h2 over TLS (ALPN h2) on an already connected socket; the session is closed after', async () => {
  const server = await serveH2((stream) => respondText(stream, 204, ''), { tls: true });
  const socket = connectTls({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: fixtureCa(), ALPNProtocols: ['h2'] });
  await once(socket, 'secureConnect');
  assert.equal(socket.alpnProtocol, 'h2');
  const { ctx, dispose } = budgetContext(2000);
  try {
    const response = await exchangeHttp2OverSocket(socket, hopRequest(`${server.origin}/`), ctx, sessionDeps());
    assert.equal(response.statusCode, 204);
    assert.equal(response.rawBodyBytes, 0);
    assert.ok(ctx.timer.finish().ttfbMs !== null);
    await once(socket, 'close');
  } finally {
    dispose();
    await server.close();
  }
});

test('POST body is sent; TTFB counts from the end of the upload', async () => {
  const server = await serveH2((stream) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => respondText(stream, 201, `got ${Buffer.concat(parts).toString()}`));
  });
  const socket = connectTcp(server.port, '127.0.0.1');
  await once(socket, 'connect');
  const { ctx, dispose } = budgetContext(2000);
  try {
    const request = hopRequest(`${server.origin}/submit`, { method: 'POST', body: Buffer.from('payload') });
    const response = await exchangeHttp2OverSocket(socket, request, ctx, sessionDeps());
    assert.equal(response.statusCode, 201);
    assert.equal(Buffer.concat(response.bodyChunks).toString(), 'got payload');
    assert.equal(server.received[0]![':method'], 'POST');
    assert.ok(ctx.timer.requestWritten <= ctx.timer.headers);
  } finally {
    dispose();
    await server.close();
  }
});

test('headers delayed by D ms give ttfbMs >= D', async () => {
  const delayMs = 150;
  const server = await serveH2((stream) => setTimeout(() => respondText(stream, 200, 'late'), delayMs));
  const session = openSession(server.origin);
  const { ctx, dispose } = budgetContext(2000);
  try {
    await exchangeHttp2(session, hopRequest(`${server.origin}/`), ctx);
    const t = ctx.timer.finish();
    assert.ok(t.ttfbMs !== null && t.ttfbMs >= delayMs, `ttfbMs ${t.ttfbMs}`);
    assert.ok(t.ttfbMs + (t.receiveMs ?? 0) <= t.totalMs);
  } finally {
    dispose();
    session.destroy();
    await server.close();
  }
});

test('RST_STREAM REFUSED_STREAM → h2_stream_refused in phase ttfb', async () => {
  const server = await serveH2((stream) => stream.close(constants.NGHTTP2_REFUSED_STREAM));
  const session = openSession(server.origin);
  const { ctx, dispose } = budgetContext(2000);
  try {
    const failure = await rejection(exchangeHttp2(session, hopRequest(`${server.origin}/`), ctx));
    assert.equal(failure.kind, 'h2_stream_refused');
    assert.equal(failure.phase, 'ttfb');
    assert.equal(ctx.timer.finish().ttfbMs, null);
  } finally {
    dispose();
    session.destroy();
    await server.close();
  }
});

test('GOAWAY before the stream was answered → h2_goaway', async () => {
  const server = await serveH2((stream) => {
    stream.session?.goaway(constants.NGHTTP2_NO_ERROR);
    setTimeout(() => stream.session?.destroy(), 20);
  });
  const session = openSession(server.origin);
  const { ctx, dispose } = budgetContext(2000);
  try {
    const failure = await rejection(exchangeHttp2(session, hopRequest(`${server.origin}/`), ctx));
    assert.equal(failure.kind, 'h2_goaway');
    assert.equal(failure.phase, 'ttfb');
    assert.match(failure.detail, /GOAWAY NO_ERROR/);
  } finally {
    dispose();
    session.destroy();
    await server.close();
  }
});

test('GOAWAY with an error code → h2_goaway; a stream reset with PROTOCOL_ERROR → h2_protocol_error', async () => {
  const server = await serveH2((stream, headers) => {
    if (headers[':path'] === '/goaway') stream.session?.goaway(constants.NGHTTP2_INTERNAL_ERROR);
    else stream.close(constants.NGHTTP2_PROTOCOL_ERROR);
  });
  const a = openSession(server.origin);
  const b = openSession(server.origin);
  const first = budgetContext(2000);
  const second = budgetContext(2000);
  try {
    const goaway = await rejection(exchangeHttp2(a, hopRequest(`${server.origin}/goaway`), first.ctx));
    assert.equal(goaway.kind, 'h2_goaway');
    assert.match(goaway.detail, /INTERNAL_ERROR/);
    const protocol = await rejection(exchangeHttp2(b, hopRequest(`${server.origin}/reset`), second.ctx));
    assert.equal(protocol.kind, 'h2_protocol_error');
    assert.match(protocol.detail, /PROTOCOL_ERROR/);
  } finally {
    first.dispose();
    second.dispose();
    a.destroy();
    b.destroy();
    await server.close();
  }
});

test('connection closed mid-body → connection_reset in phase receive', async () => {
  const server = await serveH2((stream) => {
    stream.respond({ ':status': 200 });
    stream.write('partial');
    setTimeout(() => stream.session?.destroy(), 30);
  });
  const session = openSession(server.origin);
  const { ctx, dispose } = budgetContext(2000);
  try {
    const failure = await rejection(exchangeHttp2(session, hopRequest(`${server.origin}/`), ctx));
    assert.equal(failure.kind, 'connection_reset');
    assert.equal(failure.phase, 'receive');
    const t = ctx.timer.finish();
    assert.ok(t.ttfbMs !== null);
    assert.equal(t.receiveMs, null);
  } finally {
    dispose();
    session.destroy();
    await server.close();
  }
});

test('ctx.abort cancels the stream with RST_STREAM CANCEL and rejects with the abort failure', async () => {
  let serverRst = -1;
  const server = await serveH2((stream) => stream.once('close', () => (serverRst = stream.rstCode)));
  const session = openSession(server.origin);
  const { ctx, dispose } = budgetContext(100);
  try {
    const failure = await rejection(exchangeHttp2(session, hopRequest(`${server.origin}/`), ctx));
    assert.equal(failure.kind, 'timeout');
    assert.equal(failure.phase, 'ttfb');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(serverRst, constants.NGHTTP2_CANCEL);
    assert.equal(session.isClosed, false, 'only the stream is cancelled, not the session');
  } finally {
    dispose();
    session.destroy();
    await server.close();
  }
});

test('body over the raw cap: exactly the cap kept, stream cancelled, bodyTruncated', async () => {
  const server = await serveH2((stream) => {
    stream.respond({ ':status': 200 });
    for (let i = 0; i < 8; i++) stream.write(Buffer.alloc(1000, 97));
    stream.end();
  });
  const session = openSession(server.origin);
  try {
    for (const needBody of [true, false]) {
      const { ctx, dispose } = budgetContext(2000);
      const response = await exchangeHttp2(session, hopRequest(`${server.origin}/`, { needBody, limits: testLimits(2500) }), ctx);
      dispose();
      assert.equal(response.bodyTruncated, true);
      assert.equal(response.rawBodyBytes, 2500);
      assert.equal(Buffer.concat(response.bodyChunks).length, 2500);
    }
  } finally {
    session.destroy();
    await server.close();
  }
});

test('HEAD (expectBody false) reads nothing and leaves receiveMs null', async () => {
  const server = await serveH2((stream) => {
    stream.respond({ ':status': 200, 'content-length': '5' }, { endStream: true });
  });
  const session = openSession(server.origin);
  const { ctx, dispose } = budgetContext(2000);
  try {
    const response = await exchangeHttp2(session, hopRequest(`${server.origin}/`, { method: 'HEAD', expectBody: false }), ctx);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.bodyChunks, []);
    assert.equal(response.rawBodyBytes, 0);
    assert.equal(server.received[0]![':method'], 'HEAD');
    const t = ctx.timer.finish();
    assert.ok(t.ttfbMs !== null);
    assert.equal(t.receiveMs, null);
  } finally {
    dispose();
    session.destroy();
    await server.close();
  }
});

test('a destroyed session rejects at once (request never sent)', async () => {
  const server = await serveH2((stream) => respondText(stream, 200, 'x'));
  const session = openSession(server.origin);
  session.destroy();
  const { ctx, dispose } = budgetContext(2000);
  try {
    const failure = await rejection(exchangeHttp2(session, hopRequest(`${server.origin}/`), ctx));
    assert.equal(failure.kind, 'h2_protocol_error');
    assert.equal(failure.phase, 'send');
    assert.equal((failure as { unsent?: boolean }).unsent, true);
  } finally {
    dispose();
    await server.close();
  }
});

test('GOAWAY and RST_STREAM codes are named in the detail (all RFC 9113 codes)', () => {
  assert.equal(h2CodeName(constants.NGHTTP2_ENHANCE_YOUR_CALM), 'ENHANCE_YOUR_CALM');
  assert.equal(h2CodeName(constants.NGHTTP2_HTTP_1_1_REQUIRED), 'HTTP_1_1_REQUIRED');
  assert.equal(h2CodeName(constants.NGHTTP2_SETTINGS_TIMEOUT), 'SETTINGS_TIMEOUT');
  assert.equal(h2CodeName(constants.NGHTTP2_STREAM_CLOSED), 'STREAM_CLOSED');
  assert.equal(h2CodeName(99), 'code 99');
});
