/**
 * CSRF and DNS rebinding over plain HTTP (raw node:http requests, so Host, Origin and
 * Sec-Fetch-Site are exactly what a browser would send). The same attacks from a real
 * browser are in test/e2e/browser-attacks.test.ts.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startApiFixture, type ApiFixture } from './helpers/api-fixture.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked field by field
  json: any;
}

function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawAnswer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const target = (id: string) => JSON.stringify({ id, name: id, check: { kind: 'tcp', host: '127.0.0.1', port: 9 } });

describe('CSRF: bodies must be JSON, cross-site writes are refused, no CORS', () => {
  let f: ApiFixture;
  let host: string;
  before(async () => {
    f = await startApiFixture(null); // the loopback default: no token
    host = new URL(f.api.url).host;
  });
  after(async () => {
    await f.close();
  });

  it('refuses a body without Content-Type (what fetch sends for an untyped Blob) with 415 and creates nothing', async () => {
    const res = await raw(f.api.url, 'POST', '/api/v1/targets', { host }, target('no-type'));
    assert.equal(res.status, 415);
    assert.equal(res.json.error.code, 'unsupported_media_type');
    assert.match(res.json.error.message, /got none/);
    assert.equal(f.daemon.getTarget('no-type'), undefined);
  });

  it('refuses the CORS-safelisted types (text/plain, forms) with 415, also on routes that ignore the body', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      const res = await raw(f.api.url, 'POST', '/api/v1/targets', { host, 'content-type': type }, target('typed'));
      assert.equal(res.status, 415, type);
    }
    assert.equal(f.daemon.getTarget('typed'), undefined);
    const created = await raw(f.api.url, 'POST', '/api/v1/targets', { host, 'content-type': 'application/json' }, target('one'));
    assert.equal(created.status, 201);
    const checkNow = await raw(f.api.url, 'POST', '/api/v1/targets/one/check', { host, 'content-type': 'text/plain' }, 'x');
    assert.equal(checkNow.status, 415);
  });

  it('refuses a state-changing request marked cross-site or same-site with 403 before it is read', async () => {
    const cases: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: `http://127.0.0.1:1` }, // another port on the same host: another origin
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: `http://${host}`, 'sec-fetch-site': 'same-site' },
    ];
    for (const extra of cases) {
      const res = await raw(f.api.url, 'POST', '/api/v1/targets', { host, 'content-type': 'application/json', ...extra }, target('csrf'));
      assert.equal(res.status, 403, JSON.stringify(extra));
      assert.equal(res.json.error.code, 'cross_origin');
    }
    assert.equal(f.daemon.getTarget('csrf'), undefined);
    for (const [method, path] of [
      ['POST', '/api/v1/targets/one/check'],
      ['DELETE', '/api/v1/targets/one'],
      ['POST', '/api/v1/targets/test'],
    ] as const) {
      const res = await raw(f.api.url, method, path, { host, origin: 'http://evil.example' });
      assert.equal(res.status, 403, `${method} ${path}`);
    }
    assert.notEqual(f.daemon.getTarget('one'), undefined);
  });

  it('accepts writes from its own origin and from non-browser clients (no Origin)', async () => {
    const same = await raw(f.api.url, 'POST', '/api/v1/targets', { host, 'content-type': 'application/json', origin: `http://${host}`, 'sec-fetch-site': 'same-origin' }, target('same'));
    assert.equal(same.status, 201);
    const read = await raw(f.api.url, 'GET', '/api/v1/targets', { host, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' });
    assert.equal(read.status, 200, 'a cross-site read is answered, but without CORS headers no page can read it');
  });

  it('sends no CORS headers, not even to a preflight', async () => {
    const preflight = await raw(f.api.url, 'OPTIONS', '/api/v1/targets', { host, origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
    assert.notEqual(preflight.status, 204);
    assert.notEqual(preflight.status, 200);
    const read = await raw(f.api.url, 'GET', '/api/v1/targets', { host, origin: 'http://evil.example' });
    for (const res of [preflight, read]) {
      assert.deepEqual(Object.keys(res.headers).filter((h) => h.startsWith('access-control-')), []);
    }
  });
});

describe('DNS rebinding: only the Host names the daemon listens as are served', () => {
  let f: ApiFixture;
  let port: string;
  before(async () => {
    f = await startApiFixture(null);
    port = new URL(f.api.url).port;
  });
  after(async () => {
    await f.close();
  });

  it('answers a foreign Host with 421 and a body that says what to do, on the API, the status page and metrics', async () => {
    for (const path of ['/api/v1/targets', '/', '/metrics', '/api/v1/stats']) {
      const res = await raw(f.api.url, 'GET', path, { host: `evil.example.com:${port}` });
      assert.equal(res.status, 421, path);
      assert.equal(res.json.error.code, 'misdirected_host');
      assert.match(res.json.error.message, /"evil\.example\.com:\d+".*--allowed-hosts/);
    }
    const write = await raw(f.api.url, 'POST', '/api/v1/targets', { host: `evil.example.com:${port}`, 'content-type': 'application/json' }, target('rebound'));
    assert.equal(write.status, 421);
    assert.equal(f.daemon.getTarget('rebound'), undefined);
  });

  it('serves 127.0.0.1, localhost and [::1] with the listen port, and nothing on another port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      assert.equal((await raw(f.api.url, 'GET', '/api/v1/targets', { host })).status, 200, host);
    }
    for (const host of [`localhost:${Number(port) + 1}`, 'localhost', '127.0.0.1.evil.example', `localhost.:${port}`, `127.0.0.1:${port}@evil.example`]) {
      assert.equal((await raw(f.api.url, 'GET', '/api/v1/targets', { host })).status, 421, JSON.stringify(host));
    }
  });

  it('answers /healthz and /readyz under any Host (load balancers call them by IP)', async () => {
    assert.equal((await raw(f.api.url, 'GET', '/healthz', { host: 'evil.example.com' })).status, 200);
    assert.equal((await raw(f.api.url, 'GET', '/readyz', { host: 'evil.example.com' })).status, 200);
  });

  it('serves extra names once configured, a name without a port on any port', async () => {
    f.api.configure({ tokens: [], allowedHosts: [{ name: 'status.example.com', port: null }, { name: 'vigil.lan', port: 9000 }] });
    assert.equal((await raw(f.api.url, 'GET', '/api/v1/targets', { host: 'status.example.com' })).status, 200);
    assert.equal((await raw(f.api.url, 'GET', '/api/v1/targets', { host: 'vigil.lan:9000' })).status, 200);
    assert.equal((await raw(f.api.url, 'GET', '/api/v1/targets', { host: 'vigil.lan:9001' })).status, 421);
  });
});
