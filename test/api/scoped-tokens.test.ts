import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApiFixture, type ApiFixture } from './helpers/api-fixture.js';

const OPS = 'ops-admin-token-0123456789';
const GRAFANA = 'grafana-read-token-0123456789';
const CI = 'ci-admin-token-0123456789ab';
const target = (id: string) => ({ id, name: id, check: { kind: 'tcp', host: '127.0.0.1', port: 9 } });

describe('scoped, named API tokens', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture(OPS);
    f.api.configure({
      tokens: [
        { name: 'ops', scope: 'admin', secret: OPS },
        { name: 'grafana', scope: 'read', secret: GRAFANA },
        { name: 'ci', scope: 'admin', secret: CI },
      ],
      allowedHosts: [],
    });
  });
  after(async () => {
    await f.close();
  });

  it('a read token reads everything and changes nothing (403 naming the token, not its value)', async () => {
    assert.equal((await f.call('POST', '/api/v1/targets', { body: target('seed'), token: OPS })).status, 201);
    for (const path of ['/api/v1/targets', '/api/v1/targets/seed', '/api/v1/targets/seed/results', '/api/v1/incidents', '/api/v1/stats']) {
      assert.equal((await f.call('GET', path, { token: GRAFANA })).status, 200, path);
    }
    const writes: Array<[string, string, unknown]> = [
      ['POST', '/api/v1/targets', target('nope')],
      ['POST', '/api/v1/targets/test', target('nope')],
      ['PUT', '/api/v1/targets/seed', target('seed')],
      ['PATCH', '/api/v1/targets/seed', { enabled: false }],
      ['POST', '/api/v1/targets/seed/check', undefined],
      ['DELETE', '/api/v1/targets/seed', undefined],
    ];
    for (const [method, path, body] of writes) {
      const res = await f.call(method, path, { token: GRAFANA, ...(body === undefined ? {} : { body }) });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.json.error.code, 'forbidden');
      assert.match(res.json.error.message, /token "grafana" is read-only/);
      assert.doesNotMatch(res.text, new RegExp(GRAFANA));
    }
    assert.equal(f.daemon.getTarget('nope'), undefined);
    assert.equal(f.daemon.getTarget('seed')?.enabled, true);
  });

  it('every admin token may write; an unknown token is 401', async () => {
    assert.equal((await f.call('POST', '/api/v1/targets', { body: target('by-ci'), token: CI })).status, 201);
    assert.equal((await f.call('GET', '/api/v1/targets', { token: 'not-a-token-0123456789' })).status, 401);
  });

  it('removing a token revokes it and leaves the others working', async () => {
    f.api.configure({ tokens: [{ name: 'ops', scope: 'admin', secret: OPS }], allowedHosts: [] });
    const revoked = await f.call('GET', '/api/v1/targets', { token: CI });
    assert.equal(revoked.status, 401);
    assert.equal(revoked.json.error.code, 'unauthorized');
    assert.equal((await f.call('GET', '/api/v1/targets', { token: GRAFANA })).status, 401);
    assert.equal((await f.call('GET', '/api/v1/targets', { token: OPS })).status, 200);
  });
});
