import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import type { H2Session } from '../../http2/session.js';
import { connect as connectTls } from 'node:tls';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { CheckFailure } from '../../errors/check-failure.js';
import type { HopResponse } from '../../exchange-types.js';
import { H2SessionPool } from './session-pool.js';

/** A pooled exchange's response and whether it ran on a session another check opened. */
interface PooledHopResponse {
  readonly response: HopResponse;
  readonly reused: boolean;
}
import { createSessionOverSocket } from './over-socket.js';
import { respondText, serveH2 } from '../../../../test/helpers/servers/h2-catalog.js';
import { budgetContext, connectSession, hopRequest, sessionDeps } from '../../../../test/helpers/h2-session.js';
import { fixtureCa } from '../../../../test/helpers/certs.js';

function run(pool: H2SessionPool, origin: string, connect: () => H2Session | Promise<H2Session>, path = '/', budgetMs = 3000): Promise<PooledHopResponse> {
  const { ctx, dispose } = budgetContext(budgetMs);
  return pool
    .exchange(origin, connect, hopRequest(`${origin}${path}`), ctx)
    .then((response) => ({ response, reused: ctx.connectionReused }))
    .finally(dispose);
}

function h2c(origin: string, counter?: { opened: number }): () => Promise<H2Session> {
  return () => {
    if (counter) counter.opened++;
    return connectSession(origin);
  };
}

test('pooled checks reuse one session: one TCP connection for N sequential checks', async () => {
  const server = await serveH2((stream) => respondText(stream, 200, 'ok'));
  const pool = new H2SessionPool({ sessionsPerOrigin: 4 });
  const counter = { opened: 0 };
  try {
    const reused: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const { response, reused: isReused } = await run(pool, server.origin, h2c(server.origin, counter));
      assert.equal(response.statusCode, 200);
      reused.push(isReused);
    }
    assert.deepEqual(reused, [false, true, true, true, true]);
    assert.equal(server.connections, 1);
    assert.equal(counter.opened, 1);
    assert.deepEqual(pool.stats(server.origin), { sessions: 1, activeStreams: 0, waiting: 0 });
  } finally {
    await pool.close();
    await server.close();
  }
});

test('concurrent checks are spread over sessionsPerOrigin sessions, no more', async () => {
  const server = await serveH2((stream) => setTimeout(() => respondText(stream, 200, 'ok'), 40));
  const pool = new H2SessionPool({ sessionsPerOrigin: 3 });
  try {
    const results = await Promise.all(Array.from({ length: 30 }, () => run(pool, server.origin, h2c(server.origin))));
    assert.ok(results.every((r) => r.response.statusCode === 200));
    assert.equal(server.connections, 3);
    assert.equal(results.filter((r) => !r.reused).length, 3, 'only the three openers were not reused');
  } finally {
    await pool.close();
    await server.close();
  }
});

test("the peer's SETTINGS_MAX_CONCURRENT_STREAMS is respected: extra checks wait, none is refused", async () => {
  const server = await serveH2((stream) => setTimeout(() => respondText(stream, 200, 'ok'), 30), { settings: { maxConcurrentStreams: 2 } });
  const pool = new H2SessionPool({ sessionsPerOrigin: 1 });
  try {
    const pending = Array.from({ length: 7 }, () => run(pool, server.origin, h2c(server.origin)));
    await new Promise((resolve) => setTimeout(resolve, 15));
    assert.ok(pool.stats(server.origin).waiting >= 4, JSON.stringify(pool.stats(server.origin)));
    const results = await Promise.all(pending);
    assert.ok(results.every((r) => r.response.statusCode === 200));
    assert.equal(server.maxOpenStreams, 2);
    assert.equal(server.connections, 1);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a session that sends GOAWAY is replaced; a queued check succeeds on the new one', async () => {
  let sessionsSeen = 0;
  const server = await serveH2(
    (stream) => {
      const session = stream.session!;
      const isFirstSession = (session as { tag?: number }).tag === undefined ? ((session as { tag?: number }).tag = ++sessionsSeen) === 1 : (session as { tag?: number }).tag === 1;
      if (!isFirstSession) return respondText(stream, 200, 'second session');
      setTimeout(() => {
        respondText(stream, 200, 'first session');
        session.goaway(constants.NGHTTP2_NO_ERROR, stream.id ?? 0);
      }, 40);
    },
    { settings: { maxConcurrentStreams: 1 } },
  );
  const pool = new H2SessionPool({ sessionsPerOrigin: 1 });
  try {
    const first = run(pool, server.origin, h2c(server.origin));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const queued = run(pool, server.origin, h2c(server.origin));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(pool.stats(server.origin).waiting, 1);
    const [a, b] = await Promise.all([first, queued]);
    assert.equal(Buffer.concat(a.response.bodyChunks).toString(), 'first session');
    assert.equal(Buffer.concat(b.response.bodyChunks).toString(), 'second session');
    assert.equal(server.connections, 2);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a stream cut off by GOAWAY (above last-stream-id) is retried on a fresh session, not failed', async () => {
  let firstSession: unknown = null;
  const server = await serveH2((stream) => {
    const session = stream.session!;
    firstSession ??= session;
    if (session !== firstSession) return respondText(stream, 200, 'retried');
    if (stream.id === 1) return setTimeout(() => respondText(stream, 200, 'first'), 30);
    // Second stream on the first session: refuse everything above stream 1.
    session.goaway(constants.NGHTTP2_NO_ERROR, 1);
  });
  const pool = new H2SessionPool({ sessionsPerOrigin: 1 });
  try {
    const first = run(pool, server.origin, h2c(server.origin));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = run(pool, server.origin, h2c(server.origin));
    const [a, b] = await Promise.all([first, second]);
    assert.equal(Buffer.concat(a.response.bodyChunks).toString(), 'first');
    assert.equal(Buffer.concat(b.response.bodyChunks).toString(), 'retried');
    assert.equal(b.reused, false, 'the retry opened the replacement session');
    assert.equal(server.connections, 2);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a session that dies under an answered-for stream fails that check; the next check gets a new session', async () => {
  const server = await serveH2((stream, headers) => {
    if (headers[':path'] === '/die') {
      stream.respond({ ':status': 200 });
      stream.write('part');
      setTimeout(() => stream.session?.destroy(), 20);
    } else respondText(stream, 200, 'ok');
  });
  const pool = new H2SessionPool({ sessionsPerOrigin: 1 });
  try {
    await assert.rejects(run(pool, server.origin, h2c(server.origin), '/die'), (err: unknown) => {
      assert.ok(err instanceof CheckFailure);
      assert.equal(err.kind, 'connection_reset');
      assert.equal(err.phase, 'receive');
      return true;
    });
    const next = await run(pool, server.origin, h2c(server.origin));
    assert.equal(next.response.statusCode, 200);
    assert.equal(next.reused, false);
    assert.equal(server.connections, 2);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a check waiting for a stream slot stops at its budget, in phase send', async () => {
  const server = await serveH2((stream) => setTimeout(() => respondText(stream, 200, 'ok'), 200), { settings: { maxConcurrentStreams: 1 } });
  const pool = new H2SessionPool({ sessionsPerOrigin: 1 });
  try {
    const slow = run(pool, server.origin, h2c(server.origin));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await assert.rejects(run(pool, server.origin, h2c(server.origin), '/', 50), (err: unknown) => {
      assert.ok(err instanceof CheckFailure);
      assert.equal(err.kind, 'timeout');
      assert.equal(err.phase, 'send');
      return true;
    });
    assert.equal((await slow).response.statusCode, 200);
    assert.equal(server.streams, 1, 'the aborted check never opened a stream');
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a refused connect fails the check in phase connect', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  await new Promise((resolve) => blocker.close(resolve));
  const origin = `http://127.0.0.1:${port}`;
  const pool = new H2SessionPool({ sessionsPerOrigin: 2 });
  try {
    await assert.rejects(run(pool, origin, h2c(origin)), (err: unknown) => {
      assert.ok(err instanceof CheckFailure);
      assert.equal(err.kind, 'connection_refused');
      assert.equal(err.phase, 'connect');
      return true;
    });
    assert.deepEqual(pool.stats(origin), { sessions: 0, activeStreams: 0, waiting: 0 });
  } finally {
    await pool.close();
  }
});

test('idle sessions are closed after idleTimeoutMs; close() fails later checks', async () => {
  const server = await serveH2((stream) => respondText(stream, 200, 'ok'));
  const pool = new H2SessionPool({ sessionsPerOrigin: 2, idleTimeoutMs: 80 });
  const counter = { opened: 0 };
  await run(pool, server.origin, h2c(server.origin, counter));
  assert.equal(pool.stats(server.origin).sessions, 1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(pool.stats(server.origin).sessions, 0);
  const again = await run(pool, server.origin, h2c(server.origin, counter));
  assert.equal(again.reused, false);
  assert.equal(counter.opened, 2);
  await pool.close();
  await assert.rejects(run(pool, server.origin, h2c(server.origin)), (err: unknown) => err instanceof CheckFailure && err.kind === 'internal');
  await server.close();
});

test('pooled h2 over TLS: sessions from an ALPN-h2 socket are reused', async () => {
  const server = await serveH2((stream) => respondText(stream, 200, 'tls'), { tls: true });
  const pool = new H2SessionPool({ sessionsPerOrigin: 2 });
  const connect = async (): Promise<H2Session> => {
    const socket = connectTls({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: fixtureCa(), ALPNProtocols: ['h2'] });
    await once(socket, 'secureConnect');
    return createSessionOverSocket(socket, sessionDeps());
  };
  try {
    const { ctx: c1, dispose: d1 } = budgetContext(3000);
    const a = await pool.exchange(server.origin, connect, hopRequest(`${server.origin}/`), c1);
    d1();
    const { ctx: c2, dispose: d2 } = budgetContext(3000);
    await pool.exchange(server.origin, connect, hopRequest(`${server.origin}/`), c2);
    d2();
    assert.equal(a.statusCode, 200);
    assert.equal(c1.connectionReused, false);
    assert.equal(c2.connectionReused, true);
    assert.equal(server.connections, 1);
    assert.equal(c2.timer.finish().connectMs, null, 'a reused session measures no connect phase');
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a peer that never sends SETTINGS: the opener stops at its budget and the session is dropped', async () => {
  const silent = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const pool = new H2SessionPool({ sessionsPerOrigin: 1 });
  try {
    const startedMs = performance.now();
    await assert.rejects(run(pool, origin, h2c(origin), '/', 100), (err: unknown) => {
      assert.ok(err instanceof CheckFailure);
      assert.equal(err.kind, 'timeout');
      return true;
    });
    assert.ok(performance.now() - startedMs < 150);
    assert.deepEqual(pool.stats(origin), { sessions: 0, activeStreams: 0, waiting: 0 });
  } finally {
    await pool.close();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('a connector that throws fails the checks that needed it, without hanging the queue', async () => {
  const server = await serveH2((stream) => respondText(stream, 200, 'ok'));
  const pool = new H2SessionPool({ sessionsPerOrigin: 1 });
  const broken = (): H2Session => {
    throw Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' });
  };
  try {
    const results = await Promise.allSettled([run(pool, server.origin, broken), run(pool, server.origin, broken)]);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      const reason = (result as PromiseRejectedResult).reason as CheckFailure;
      assert.equal(reason.kind, 'fd_exhausted');
      assert.equal(reason.phase, 'connect');
    }
    const next = await run(pool, server.origin, h2c(server.origin));
    assert.equal(next.response.statusCode, 200);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('an idle pooled session does not keep the process alive', async () => {
  const server = await serveH2((stream) => respondText(stream, 200, 'ok'));
  // The child runs one pooled check and never closes the pool: it must still exit by itself.
  const child = `
    const { H2SessionPool } = await import(${JSON.stringify(new URL('./session-pool.ts', import.meta.url).href)});
    const { budgetContext, connectSession, hopRequest } = await import(${JSON.stringify(new URL('../../../../test/helpers/h2-session.ts', import.meta.url).href)});
    const origin = ${JSON.stringify(server.origin)};
    const pool = new H2SessionPool({ sessionsPerOrigin: 2 });
    const { ctx, dispose } = budgetContext(5000);
    const response = await pool.exchange(origin, () => connectSession(origin), hopRequest(origin + '/'), ctx);
    dispose();
    console.log(response.statusCode, pool.stats(origin).sessions);
  `;
  try {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += String(d)));
    const killer = setTimeout(() => proc.kill(), 15_000);
    const [code, signal] = (await once(proc, 'exit')) as [number | null, string | null];
    clearTimeout(killer);
    assert.equal(signal, null, 'the child had to be killed: the idle session kept it alive');
    assert.equal(code, 0);
    assert.equal(output.trim(), '200 1', 'the session was still open when the child exited');
  } finally {
    await server.close();
  }
});
