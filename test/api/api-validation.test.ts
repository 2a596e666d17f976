import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApiFixture, type ApiFixture } from './helpers/api-fixture.js';

const validTarget = (url: string) => ({ name: 'web', check: { url } });

describe('API request validation', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture();
  });
  after(async () => {
    await f.close();
  });

  it('refuses malformed JSON with 400 invalid_json', async () => {
    const res = await f.call('POST', '/api/v1/targets', { body: '{"name": "web", ' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'invalid_json');
    assert.match(res.json.error.message, /not valid JSON/);
  });

  it('refuses an empty body and a JSON array', async () => {
    const empty = await f.call('POST', '/api/v1/targets', { body: '' , headers: { 'content-type': 'application/json' } });
    assert.equal(empty.status, 400);
    assert.equal(empty.json.error.code, 'invalid_json');
    const array = await f.call('POST', '/api/v1/targets', { body: [1, 2] });
    assert.equal(array.status, 400);
    assert.equal(array.json.error.code, 'invalid_type');
    assert.equal(array.json.error.field, '(root)');
  });

  it('refuses a wrong type naming the field', async () => {
    const res = await f.call('POST', '/api/v1/targets', { body: { name: 'web', check: { url: 'http://127.0.0.1:1/' }, enabled: 'yes' } });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'invalid_type');
    assert.equal(res.json.error.field, 'enabled');
  });

  it('refuses a nested wrong type naming the dotted path', async () => {
    const res = await f.call('POST', '/api/v1/targets', { body: { name: 'web', check: { url: 'http://127.0.0.1:1/', timeoutMs: '5s' } } });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'invalid_type');
    assert.equal(res.json.error.field, 'check.timeoutMs');
  });

  it('refuses unknown fields, top-level and nested', async () => {
    const top = await f.call('POST', '/api/v1/targets', { body: { ...validTarget('http://127.0.0.1:1/'), colour: 'red' } });
    assert.equal(top.status, 400);
    assert.equal(top.json.error.code, 'unknown_field');
    assert.equal(top.json.error.field, 'colour');
    const nested = await f.call('POST', '/api/v1/targets', { body: { name: 'web', check: { url: 'http://127.0.0.1:1/', keywrod: 'ok' } } });
    assert.equal(nested.status, 400);
    assert.equal(nested.json.error.code, 'unknown_field');
    assert.equal(nested.json.error.field, 'check.keywrod');
  });

  it('refuses a missing required field', async () => {
    const res = await f.call('POST', '/api/v1/targets', { body: { check: { url: 'http://127.0.0.1:1/' } } });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'missing_field');
    assert.equal(res.json.error.field, 'name');
  });

  it('refuses semantic mistakes found by the daemon (bad URL, interval under the floor)', async () => {
    const url = await f.call('POST', '/api/v1/targets', { body: { name: 'web', check: { url: 'ftp://example.test/' } } });
    assert.equal(url.status, 400);
    assert.equal(url.json.error.code, 'invalid_field');
    assert.equal(url.json.error.field, 'check.url');
    const interval = await f.call('POST', '/api/v1/targets', { body: { ...validTarget('http://127.0.0.1:1/'), interval: '500ms' } });
    assert.equal(interval.status, 400);
    assert.equal(interval.json.error.field, 'interval');
  });

  it('refuses bad and unknown query parameters', async () => {
    const unknown = await f.call('GET', '/api/v1/targets?colour=red');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.code, 'unknown_field');
    assert.equal(unknown.json.error.field, 'colour');
    const badEnum = await f.call('GET', '/api/v1/incidents?state=maybe');
    assert.equal(badEnum.status, 400);
    assert.equal(badEnum.json.error.field, 'state');
    const badLimit = await f.call('GET', '/api/v1/incidents?limit=0');
    assert.equal(badLimit.status, 400);
    assert.equal(badLimit.json.error.code, 'invalid_query');
    assert.equal(badLimit.json.error.field, 'limit');
  });

  it('refuses a non-JSON content type with 415', async () => {
    const res = await f.call('POST', '/api/v1/targets', { body: 'name=web', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 415);
    assert.equal(res.json.error.code, 'unsupported_media_type');
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await f.call('POST', '/api/v1/targets', { body: { name: 'x'.repeat(70 * 1024), check: { url: 'http://127.0.0.1:1/' } } });
    assert.equal(res.status, 413);
    assert.equal(res.json.error.code, 'payload_too_large');
  });

  it('answers unknown routes and ids with 404, wrong methods with 405 and Allow', async () => {
    const route = await f.call('GET', '/api/v1/nope');
    assert.equal(route.status, 404);
    assert.equal(route.json.error.code, 'not_found');
    const id = await f.call('GET', '/api/v1/targets/does-not-exist');
    assert.equal(id.status, 404);
    assert.equal(id.json.error.code, 'not_found');
    const method = await f.call('DELETE', '/api/v1/targets');
    assert.equal(method.status, 405);
    assert.equal(method.json.error.code, 'method_not_allowed');
    assert.equal(method.headers.get('allow'), 'GET, HEAD, POST');
  });
});

describe('API bearer auth', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture('s3cret-token');
  });
  after(async () => {
    await f.close();
  });

  it('answers 401 without a token and with a wrong one, 200 with the right one', async () => {
    const missing = await f.call('GET', '/api/v1/targets', { token: null });
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error.code, 'unauthorized');
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await f.call('GET', '/api/v1/targets', { token: 's3cret-tokem' });
    assert.equal(wrong.status, 401);
    const shorter = await f.call('GET', '/api/v1/targets', { token: 's3cret' });
    assert.equal(shorter.status, 401);
    const basic = await f.call('GET', '/api/v1/targets', { token: null, headers: { authorization: 'Basic czNjcmV0LXRva2Vu' } });
    assert.equal(basic.status, 401);
    const ok = await f.call('GET', '/api/v1/targets');
    assert.equal(ok.status, 200);
  });

  it('checks the token before routing, so unknown API paths do not leak', async () => {
    const res = await f.call('GET', '/api/v1/secret-route', { token: null });
    assert.equal(res.status, 401);
  });

  it('leaves the status page, health, metrics and the OpenAPI document public', async () => {
    for (const path of ['/', '/healthz', '/readyz', '/metrics', '/api/v1/openapi.json']) {
      const res = await f.call('GET', path, { token: null });
      assert.equal(res.status, 200, path);
    }
  });
});

describe('API: tls and dns targets', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture();
  });
  after(async () => {
    await f.close();
  });

  it('creates them, stores the input and lists them by kind', async () => {
    const dns = await f.call('POST', '/api/v1/targets', { body: { id: 'dns1', name: 'dns', check: { kind: 'dns', name: 'example.com', recordType: 'MX', server: '127.0.0.1', port: 5353 } } });
    assert.equal(dns.status, 201, dns.text);
    assert.equal(dns.json.spec.recordType, 'MX');
    const tls = await f.call('POST', '/api/v1/targets', { body: { id: 'tls1', name: 'tls', check: { kind: 'tls', host: '127.0.0.1', port: 587, starttls: 'smtp' } } });
    assert.equal(tls.status, 201, tls.text);
    const listed = await f.call('GET', '/api/v1/targets?kind=dns');
    assert.deepEqual(listed.json.items.map((t: { id: string }) => t.id), ['dns1']);
  });

  it('refuses bad fields naming them', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ kind: 'dns', name: 'example.com', recordType: 'PTR' }, 'check.recordType'],
      [{ kind: 'dns', name: 'bad..name' }, 'check.name'],
      [{ kind: 'dns', name: 'example.com', server: 'dns.example' }, 'check.server'],
      [{ kind: 'dns', name: 'example.com', expectRcode: 'MAYBE' }, 'check.expectRcode'],
      [{ kind: 'tls', host: '127.0.0.1', port: 443, starttls: 'ftp' }, 'check.starttls'],
      [{ kind: 'tls', host: '127.0.0.1', port: 443, certExpiryWarnDays: 2, certExpiryCriticalDays: 5 }, 'check.certExpiryCriticalDays'],
      [{ kind: 'gopher', host: 'x' }, 'check.kind'],
      [{ url: 'http://127.0.0.1:1/', conditions: ['[STATUS] == 200', '[BODY].a[x] == 1'] }, 'check.conditions[1]'],
    ];
    for (const [check, field] of cases) {
      const res = await f.call('POST', '/api/v1/targets', { body: { name: 'bad', check } });
      assert.equal(res.status, 400, JSON.stringify(check));
      assert.equal(res.json.error.field, field, `${JSON.stringify(check)}: ${res.text}`);
    }
  });
});
