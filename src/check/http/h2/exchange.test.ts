import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { once } from 'node:events';
import { CheckFailure } from '../../errors/check-failure.js';
import type { CheckContext } from '../../context/check-context.js';
import type { H2Session } from '../../http2/session.js';
import { exchangeHttp2 } from './exchange.js';
import { exchangeHttp2OverSocket } from './over-socket.js';
import { h2CodeName } from './h2-failure.js';
import { respondText, serveH2, type H2TestServer, type StreamHandler } from '../../../../test/helpers/servers/h2-catalog.js';
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

interface Exchange {
  readonly server: H2TestServer;
  readonly session: H2Session;
  readonly ctx: CheckContext;
}

/**
 * The setup every session test shares: a server answering with `handler`, our session to it
 * and a context with a budget, all torn down after `body` whatever it did.
 */
async function onSession(handler: StreamHandler, body: (x: Exchange) => Promise<void>, budgetMs = 2000): Promise<void> {
  const server = await serveH2(handler);
  const session = openSession(server.origin);
  const { ctx, dispose } = budgetContext(budgetMs);
  try {
    await body({ server, session, ctx });
  } finally {
    dispose();
    session.destroy();
    await server.close();
  }
}

test('h2c 200 with body: status, headers, body and the timings that happened', () =>
  onSession((stream) => respondText(stream, 200, 'hello h2'), async ({ server, session, ctx }) => {
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
  }));

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

test('headers delayed by D ms give ttfbMs >= D', () => {
  const delayMs = 150;
  return onSession((stream) => setTimeout(() => respondText(stream, 200, 'late'), delayMs), async ({ server, session, ctx }) => {
    await exchangeHttp2(session, hopRequest(`${server.origin}/`), ctx);
    const t = ctx.timer.finish();
    assert.ok(t.ttfbMs !== null && t.ttfbMs >= delayMs, `ttfbMs ${t.ttfbMs}`);
    assert.ok(t.ttfbMs + (t.receiveMs ?? 0) <= t.totalMs);
  });
});

// One row per way the peer ends a stream without a response: the error kind, the phase it
// surfaced in, what the detail names, and whether the response headers had arrived.
const FAILURE_ROWS: ReadonlyArray<{
  readonly name: string;
  readonly handler: StreamHandler;
  readonly kind: CheckFailure['kind'];
  readonly phase: CheckFailure['phase'];
  readonly detail?: RegExp;
  readonly sawHeaders: boolean;
}> = [
  {
    name: 'RST_STREAM REFUSED_STREAM → h2_stream_refused in phase ttfb',
    handler: (stream) => stream.close(constants.NGHTTP2_REFUSED_STREAM),
    kind: 'h2_stream_refused',
    phase: 'ttfb',
    sawHeaders: false,
  },
  {
    name: 'GOAWAY before the stream was answered → h2_goaway',
    handler: (stream) => {
      stream.session?.goaway(constants.NGHTTP2_NO_ERROR);
      setTimeout(() => stream.session?.destroy(), 20);
    },
    kind: 'h2_goaway',
    phase: 'ttfb',
    detail: /GOAWAY NO_ERROR/,
    sawHeaders: false,
  },
  {
    name: 'GOAWAY with an error code → h2_goaway naming the code',
    handler: (stream) => stream.session?.goaway(constants.NGHTTP2_INTERNAL_ERROR),
    kind: 'h2_goaway',
    phase: 'ttfb',
    detail: /INTERNAL_ERROR/,
    sawHeaders: false,
  },
  {
    name: 'a stream reset with PROTOCOL_ERROR → h2_protocol_error naming the code',
    handler: (stream) => stream.close(constants.NGHTTP2_PROTOCOL_ERROR),
    kind: 'h2_protocol_error',
    phase: 'ttfb',
    detail: /PROTOCOL_ERROR/,
    sawHeaders: false,
  },
  {
    name: 'connection closed mid-body → connection_reset in phase receive',
    handler: (stream) => {
      stream.respond({ ':status': 200 });
      stream.write('partial');
      setTimeout(() => stream.session?.destroy(), 30);
    },
    kind: 'connection_reset',
    phase: 'receive',
    sawHeaders: true,
  },
];

for (const row of FAILURE_ROWS) {
  test(row.name, () =>
    onSession(row.handler, async ({ server, session, ctx }) => {
      const failure = await rejection(exchangeHttp2(session, hopRequest(`${server.origin}/`), ctx));
      assert.equal(failure.kind, row.kind);
      assert.equal(failure.phase, row.phase);
      if (row.detail !== undefined) assert.match(failure.detail, row.detail);
      const t = ctx.timer.finish();
      assert.equal(t.ttfbMs !== null, row.sawHeaders, `ttfbMs ${t.ttfbMs}`);
      assert.equal(t.receiveMs, null);
    }));
}

test('ctx.abort cancels the stream with RST_STREAM CANCEL and rejects with the abort failure', () => {
  let serverRst = -1;
  return onSession(
    (stream) => stream.once('close', () => (serverRst = stream.rstCode)),
    async ({ server, session, ctx }) => {
      const failure = await rejection(exchangeHttp2(session, hopRequest(`${server.origin}/`), ctx));
      assert.equal(failure.kind, 'timeout');
      assert.equal(failure.phase, 'ttfb');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(serverRst, constants.NGHTTP2_CANCEL);
      assert.equal(session.isClosed, false, 'only the stream is cancelled, not the session');
    },
    100,
  );
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

test('HEAD (expectBody false) reads nothing and leaves receiveMs null', () =>
  onSession(
    (stream) => stream.respond({ ':status': 200, 'content-length': '5' }, { endStream: true }),
    async ({ server, session, ctx }) => {
      const response = await exchangeHttp2(session, hopRequest(`${server.origin}/`, { method: 'HEAD', expectBody: false }), ctx);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.bodyChunks, []);
      assert.equal(response.rawBodyBytes, 0);
      assert.equal(server.received[0]![':method'], 'HEAD');
      const t = ctx.timer.finish();
      assert.ok(t.ttfbMs !== null);
      assert.equal(t.receiveMs, null);
    },
  ));

test('a destroyed session rejects at once (request never sent)', () =>
  onSession(
    (stream) => respondText(stream, 200, 'x'),
    async ({ server, session, ctx }) => {
      session.destroy();
      const failure = await rejection(exchangeHttp2(session, hopRequest(`${server.origin}/`), ctx));
      assert.equal(failure.kind, 'h2_protocol_error');
      assert.equal(failure.phase, 'send');
      assert.equal((failure as { unsent?: boolean }).unsent, true);
    },
  ));

test('GOAWAY and RST_STREAM codes are named in the detail (all RFC 9113 codes)', () => {
  assert.equal(h2CodeName(constants.NGHTTP2_ENHANCE_YOUR_CALM), 'ENHANCE_YOUR_CALM');
  assert.equal(h2CodeName(constants.NGHTTP2_HTTP_1_1_REQUIRED), 'HTTP_1_1_REQUIRED');
  assert.equal(h2CodeName(constants.NGHTTP2_SETTINGS_TIMEOUT), 'SETTINGS_TIMEOUT');
  assert.equal(h2CodeName(constants.NGHTTP2_STREAM_CLOSED), 'STREAM_CLOSED');
  assert.equal(h2CodeName(99), 'code 99');
});
