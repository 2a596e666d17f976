import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as http2Connect } from 'node:http2';
import { gunzipSync } from 'node:zlib';
import * as raw from './raw-catalog.js';
import * as web from './http-catalog.js';
import { startH2Server } from './h2-catalog.js';
import { getRequest, rawExchange } from './raw-client.js';
import type { TestServer } from './test-server.js';

// The catalog checked on its own with a bare socket client, so an executor test that fails
// can be blamed on the executor, not on a server that misbehaves the wrong way.

async function using<T extends TestServer>(start: Promise<T>, body: (server: T) => Promise<void>): Promise<void> {
  const server = await start;
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe('misbehaving server catalog', () => {
  it('refused port refuses', async () => {
    const s = await raw.startRefusedPort();
    assert.equal((await rawExchange(s.port, getRequest())).ending, 'refused');
  });

  it('reset after request sends RST, reset on accept too', async () => {
    await using(raw.startResetAfterRequest(), async (s) => {
      const x = await rawExchange(s.port, getRequest());
      assert.equal(x.ending, 'reset');
      assert.equal(x.bytes.length, 0);
      assert.equal(s.requests.length, 1);
    });
    await using(raw.startResetOnAccept(), async (s) => {
      assert.equal((await rawExchange(s.port, getRequest())).ending, 'reset');
    });
  });

  it('close before headers ends cleanly with no bytes', async () => {
    await using(raw.startCloseBeforeHeaders(), async (s) => {
      const x = await rawExchange(s.port, getRequest());
      assert.deepEqual([x.ending, x.bytes.length], ['end', 0]);
    });
  });

  it('slow headers waits the delay', async () => {
    await using(raw.startSlowHeaders(150), async (s) => {
      const started = performance.now();
      const x = await rawExchange(s.port, getRequest(), 400);
      assert.ok(performance.now() - started >= 150);
      assert.match(x.text, /^HTTP\/1\.1 200 OK\r\n/);
    });
  });

  it('huge headers exceed 64 KiB', async () => {
    await using(raw.startHugeHeaders(), async (s) => {
      const x = await rawExchange(s.port, getRequest());
      assert.ok(x.text.indexOf('\r\n\r\n') > 64 * 1024);
    });
  });

  it('gzip bomb is small on the wire and inflates past 8 MiB', async () => {
    await using(raw.startGzipBomb(), async (s) => {
      const x = await rawExchange(s.port, getRequest());
      const body = x.bytes.subarray(x.bytes.indexOf('\r\n\r\n') + 4);
      assert.ok(body.length < 1024 * 1024);
      assert.ok(gunzipSync(body).length > 8 * 1024 * 1024);
    });
  });

  it('chunked with trailers, 1xx, 304 and HEAD send exactly their bytes', async () => {
    await using(raw.startChunkedWithTrailers(), async (s) => {
      assert.match((await rawExchange(s.port, getRequest())).text, /5;ext=1\r\nhello\r\n.*0\r\nX-Checksum: abc123\r\n\r\n$/s);
    });
    await using(raw.startInterimResponses(), async (s) => {
      assert.match((await rawExchange(s.port, getRequest())).text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 103 /);
    });
    await using(raw.startNoBodyStatus(304), async (s) => {
      const x = await rawExchange(s.port, getRequest());
      assert.deepEqual([x.ending, x.text], ['idle', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n']);
    });
    await using(raw.startHeadAware(), async (s) => {
      const x = await rawExchange(s.port, getRequest('/', 'HEAD'));
      assert.ok(x.text.endsWith('\r\n\r\n'));
      assert.equal(s.requests[0]?.method, 'HEAD');
    });
  });

  it('429 carries Retry-After; redirect loop alternates', async () => {
    await using(web.startRateLimited('17'), async (s) => {
      assert.match((await rawExchange(s.port, getRequest())).text, /^HTTP\/1\.1 429 .*\r\nretry-after: 17\r\n/is);
    });
    await using(web.startRedirectLoop(), async (s) => {
      assert.match((await rawExchange(s.port, getRequest('/a'))).text, /location: \/b\r\n/i);
      assert.match((await rawExchange(s.port, getRequest('/b'))).text, /location: \/a\r\n/i);
    });
  });

  it('cross-origin redirect points A at B on another port, B records headers', async () => {
    const pair = await web.startCrossOriginRedirect();
    try {
      assert.notEqual(pair.a.port, pair.b.port);
      const x = await rawExchange(pair.a.port, getRequest());
      assert.ok(x.text.toLowerCase().includes(`location: http://127.0.0.1:${pair.b.port}/landed`));
      await rawExchange(pair.b.port, 'GET /landed HTTP/1.1\r\nHost: b\r\nCookie: c=1\r\nConnection: close\r\n\r\n');
      assert.equal(pair.b.requests[0]?.headers['cookie'], 'c=1');
    } finally {
      await pair.close();
    }
  });

  it('HTTP/2 servers answer, refuse streams, and send GOAWAY', async () => {
    const outcome = async (s: TestServer): Promise<string> => {
      const session = http2Connect(s.url, { rejectUnauthorized: false });
      session.on('error', () => undefined);
      try {
        return await new Promise<string>((resolve) => {
          const stream = session.request({ ':path': '/' });
          stream.on('response', (h) => resolve(`status ${String(h[':status'])}`));
          stream.on('error', (err: NodeJS.ErrnoException) => resolve(`${err.code} ${err.message}`));
          stream.on('close', () => resolve(`closed rst=${stream.rstCode}`));
          stream.end();
        });
      } finally {
        session.destroy();
      }
    };
    await using(startH2Server(), async (s) => assert.equal(await outcome(s), 'status 200'));
    await using(startH2Server({ behaviour: 'refuse-stream' }), async (s) => assert.match(await outcome(s), /NGHTTP2_REFUSED_STREAM/));
    // GOAWAY(last stream 0): nghttp2 closes the unprocessed stream as refused.
    await using(startH2Server({ behaviour: 'goaway' }), async (s) => {
      assert.match(await outcome(s), /NGHTTP2_REFUSED_STREAM/);
      assert.equal(s.requests.length, 0);
    });
    await using(startH2Server({ behaviour: 'goaway-error', tls: true }), async (s) => {
      assert.match(await outcome(s), /ERR_HTTP2_SESSION_ERROR/);
    });
  });
});
