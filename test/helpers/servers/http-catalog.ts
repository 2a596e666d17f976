import { brotliCompressSync, gzipSync } from 'node:zlib';
import { fixtureCert, type FixtureCertName } from '../certs.js';
import { reply, startHttpServer } from './http-server.js';
import type { TestServer } from './test-server.js';

/** Servers whose misbehaviour is in what they say, built on node:http(s). */

/** Always answers `statusCode` with `body` and extra `headers` (on `host`, default 127.0.0.1). */
export function startFixedResponse(statusCode: number, body = 'ok', headers: Record<string, string> = {}, host?: string): Promise<TestServer> {
  return startHttpServer((_req, res) => reply(res, statusCode, body, headers), host === undefined ? {} : { host });
}

/** 429 Too Many Requests with `Retry-After: <retryAfter>`. */
export function startRateLimited(retryAfter = '30'): Promise<TestServer> {
  return startFixedResponse(429, 'slow down', { 'retry-after': retryAfter });
}

/** 503 Service Unavailable, with Retry-After when given. */
export function startUnavailable(retryAfter?: string): Promise<TestServer> {
  return startFixedResponse(503, 'maintenance', retryAfter === undefined ? {} : { 'retry-after': retryAfter });
}

/** /a → /b → /a … forever (302). Any other path also redirects to /a. */
export function startRedirectLoop(): Promise<TestServer> {
  return startHttpServer((req, res) => {
    reply(res, 302, '', { location: req.url === '/a' ? '/b' : '/a' });
  });
}

/** /hop/N redirects to /hop/N-1 (302); /hop/0 answers 200 "arrived". */
export function startRedirectChain(): Promise<TestServer> {
  return startHttpServer((req, res) => {
    const m = /^\/hop\/(\d+)$/.exec(req.url ?? '');
    const n = m === null ? 0 : Number(m[1]);
    if (n > 0) reply(res, 302, '', { location: `/hop/${n - 1}` });
    else reply(res, 200, 'arrived');
  });
}

/** Redirects every request to `location` with `statusCode`. */
export function startRedirectTo(location: string, statusCode = 302): Promise<TestServer> {
  return startHttpServer((_req, res) => reply(res, statusCode, '', { location }));
}

/**
 * /301, /302, /303, /307, /308 redirect (with that status) to /final on the same server;
 * /final answers 200 "final <METHOD> <body>", so both the server's `requests` and the body
 * tell which method and body the client used after the hop.
 */
export function startMethodRedirects(): Promise<TestServer> {
  return startHttpServer((req, res, request) => {
    const m = /^\/(30[1-8])$/.exec(req.url ?? '');
    if (m !== null) reply(res, Number(m[1]), '', { location: '/final' });
    else reply(res, 200, `final ${request.method} ${request.body}`);
  });
}

/**
 * Two origins on different ports: A redirects (302, or `statusCode`) every request to B's
 * /landed; B answers 200 "landed" and records the headers it got, so a test can assert that
 * Authorization and Cookie were dropped on the way.
 */
export async function startCrossOriginRedirect(statusCode = 302): Promise<{ a: TestServer; b: TestServer; close(): Promise<void> }> {
  const b = await startFixedResponse(200, 'landed');
  const a = await startRedirectTo(new URL('/landed', b.url).href, statusCode);
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
}

/** A body sent with Content-Encoding gzip or br. */
export function startEncodedBody(encoding: 'gzip' | 'br', body: string): Promise<TestServer> {
  const encoded = encoding === 'gzip' ? gzipSync(body) : brotliCompressSync(Buffer.from(body));
  return startHttpServer((_req, res) => reply(res, 200, encoded, { 'content-encoding': encoding, 'content-type': 'text/plain' }));
}

/** Gzip-encoded headers but a body that is not gzip. */
export function startBadGzip(): Promise<TestServer> {
  return startHttpServer((_req, res) => reply(res, 200, 'this is not gzip at all', { 'content-encoding': 'gzip' }));
}

/** HTTPS with one of the fixture certificates; answers 200 "secure". */
export function startTlsServer(cert: FixtureCertName): Promise<TestServer> {
  return startHttpServer((_req, res) => reply(res, 200, 'secure'), { cert: fixtureCert(cert) });
}

/** A plain-HTTP port, for a TLS client to talk to (its url is still http://). */
export function startPlaintextForTls(): Promise<TestServer> {
  return startFixedResponse(200, 'plaintext');
}
