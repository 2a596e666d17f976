import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:http2';
import type { Clients } from '../../src/check/index.js';
import { assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients } from '../helpers/check-runner.js';
import { missingBinary, startNginx, startNghttpd, type RealPeer } from '../helpers/servers/real-peers.js';
import { respondText, serveH2 } from '../helpers/servers/h2-catalog.js';

// Our HTTP/2 engine against servers that are not ours: nghttpd (nghttp2, h2c and TLS),
// nginx (TLS, ALPN h2) and node:http2's server, through the whole executor. Flow control
// both ways: a POST body larger than the server's window, a 10 MiB body (our windows
// replenished), and the body cap ending the stream with RST_STREAM CANCEL.

const MIB = 1024 * 1024;
const BIG = randomBytes(10 * MIB);
const FILES = { 'index.txt': 'real peer ok\n', 'big.bin': BIG, 'text.txt': 'compress me '.repeat(400) };
const PHASES_TLS = PHASES.httpsComplete;
const REUSED = { dns: false, connect: false, tls: false, ttfb: true, receive: true } as const;

/** Clients whose raw body cap holds the 10 MiB body. */
function bigBodyClients(): Clients {
  return loopbackClients({ limits: { maxBodyBytes: 16 * MIB, maxDecodedBytes: 16 * MIB } });
}

function peerSuite(name: string, binary: string, start: () => Promise<RealPeer>, isTls: boolean): void {
  const missing = missingBinary(binary);
  if (missing !== undefined) console.log(`# skipping ${name}: ${missing}`);
  describe(name, { skip: missing }, () => {
    let peer: RealPeer;
    let clients: Clients;
    let big: Clients;
    before(async () => {
      peer = await start();
      clients = loopbackClients();
      big = bigBodyClients();
    });
    after(async () => {
      await clients.close();
      await big.close();
      await peer.close();
    });
    const h2 = isTls ? {} : ({ http2: 'prior-knowledge' } as const);
    const complete = isTls ? PHASES_TLS : PHASES.httpComplete;

    it('GET: up over HTTP/2, keyword found', async () => {
      const result = await checkHttp(clients, { url: `${peer.origin}/index.txt`, ...h2, keyword: 'real peer ok' });
      assertUp(result, 200, complete);
      assert.equal(result.httpVersion, '2');
      if (isTls) assert.equal(result.tls?.alpn, 'h2');
    });

    it('pooled: the second check reuses the session', async () => {
      const pooled = loopbackClients();
      try {
        const spec = { url: `${peer.origin}/index.txt`, ...h2, connection: 'pooled', keyword: 'real peer ok' } as const;
        assertUp(await checkHttp(pooled, spec), 200, complete);
        const second = await checkHttp(pooled, spec);
        assertUp(second, 200, REUSED);
        assert.equal(second.connectionReused, true);
        const burst = await Promise.all(Array.from({ length: 200 }, () => checkHttp(pooled, spec)));
        assert.deepEqual(new Set(burst.map((r) => r.status)), new Set(['up']));
      } finally {
        await pooled.close();
      }
    });

    it('a 10 MiB body arrives whole (our windows are replenished)', async () => {
      const result = await checkHttp(big, { url: `${peer.origin}/big.bin`, ...h2, timeoutMs: 20_000 });
      assertUp(result, 200, complete);
      assert.equal(result.responseBytes, BIG.length);
    });

    it('the body cap (1 MiB) stops the read and cancels the stream; the check still judges the status', async () => {
      const result = await checkHttp(clients, { url: `${peer.origin}/big.bin`, ...h2 });
      assertUp(result, 200, complete);
      assert.equal(result.responseBytes, MIB);
      assert.match(result.detail ?? '', /read cap/);
    });

    it('HEAD reads no body', async () => {
      const result = await checkHttp(clients, { url: `${peer.origin}/big.bin`, ...h2, method: 'HEAD' });
      assertUp(result, 200, { ...complete, receive: false });
      assert.equal(result.responseBytes, null);
    });

    it('404 is judged as the status it is', async () => {
      const result = await checkHttp(clients, { url: `${peer.origin}/missing`, ...h2 });
      assert.equal(result.errorKind, 'unexpected_status');
      assert.equal(result.statusCode, 404);
      assert.equal(result.httpVersion, '2');
    });
  });
}

peerSuite('nghttpd h2c (prior knowledge)', 'nghttpd', () => startNghttpd({ tls: false, files: FILES, echoUpload: true }), false);
peerSuite('nghttpd over TLS (ALPN h2)', 'nghttpd', () => startNghttpd({ tls: true, files: FILES, echoUpload: true }), true);
peerSuite('nginx over TLS (ALPN h2)', 'nginx', () => startNginx({ files: FILES }), true);

describe('nghttpd: uploads larger than its window', { skip: missingBinary('nghttpd') }, () => {
  it('a 1 MiB POST (nghttpd opens 64 KiB windows) is echoed whole, h2c and TLS', async () => {
    const body = 'u'.repeat(MIB);
    for (const tls of [false, true]) {
      const peer = await startNghttpd({ tls, files: FILES, echoUpload: true });
      const clients = bigBodyClients();
      try {
        const result = await checkHttp(clients, { url: `${peer.origin}/index.txt`, ...(tls ? {} : { http2: 'prior-knowledge' }), method: 'POST', body, timeoutMs: 20_000 });
        assertUp(result, 200, tls ? PHASES_TLS : PHASES.httpComplete);
        assert.equal(result.responseBytes, MIB, 'nghttpd echoed every byte we sent');
      } finally {
        await clients.close();
        await peer.close();
      }
    }
  });
});

describe('nginx: redirects, gzip and an upload', { skip: missingBinary('nginx') }, () => {
  let peer: RealPeer;
  let clients: Clients;
  before(async () => {
    peer = await startNginx({ files: FILES });
    clients = loopbackClients();
  });
  after(async () => {
    await clients.close();
    await peer.close();
  });

  it('a redirect is followed on a new connection', async () => {
    const result = await checkHttp(clients, { url: `${peer.origin}/redirect`, followRedirects: true, keyword: 'real peer ok' });
    assertUp(result, 200, PHASES_TLS);
    assert.equal(result.httpVersion, '2');
  });

  it('a gzip body is decoded before the keyword is looked for', async () => {
    const result = await checkHttp(clients, { url: `${peer.origin}/text.txt`, keyword: 'compress me compress me' });
    assertUp(result, 200, PHASES_TLS);
    assert.equal(result.responseBytes, FILES['text.txt'].length, 'decoded bytes');
  });

  it('a 1 MiB POST body (more than nginx\'s initial window) is sent whole', async () => {
    const result = await checkHttp(clients, { url: `${peer.origin}/post`, method: 'POST', body: 'p'.repeat(MIB), keyword: 'posted', timeoutMs: 20_000 });
    assertUp(result, 200, PHASES_TLS);
  });
});

describe("node:http2's server: flow control both ways", () => {
  it('POST larger than its 64 KiB window, a 10 MiB body, and the cap cancels with RST_STREAM CANCEL', async () => {
    const rstCodes: number[] = [];
    const server = await serveH2((stream, headers) => {
      stream.once('close', () => rstCodes.push(stream.rstCode));
      if (headers[':method'] === 'POST') {
        let bytes = 0;
        stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
        stream.on('end', () => respondText(stream, 200, `got ${bytes}`));
      } else if (headers[':path'] === '/big') {
        stream.respond({ ':status': 200 });
        stream.end(BIG);
      } else respondText(stream, 200, 'ok');
    });
    const clients = bigBodyClients();
    const capped = loopbackClients();
    try {
      const post = await checkHttp(clients, { url: `${server.origin}/`, http2: 'prior-knowledge', method: 'POST', body: 'b'.repeat(3 * MIB), keyword: `got ${3 * MIB}`, timeoutMs: 20_000 });
      assertUp(post, 200, PHASES.httpComplete);
      const download = await checkHttp(clients, { url: `${server.origin}/big`, http2: 'prior-knowledge', timeoutMs: 20_000 });
      assertUp(download, 200, PHASES.httpComplete);
      assert.equal(download.responseBytes, BIG.length);
      const cut = await checkHttp(capped, { url: `${server.origin}/big`, http2: 'prior-knowledge', connection: 'pooled' });
      assertUp(cut, 200, PHASES.httpComplete);
      assert.equal(cut.responseBytes, MIB);
      for (let i = 0; i < 100 && rstCodes.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(rstCodes[2], constants.NGHTTP2_CANCEL, 'the capped stream was cancelled');
    } finally {
      await clients.close();
      await capped.close();
      await server.close();
    }
  });
});
