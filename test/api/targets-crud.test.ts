import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFixedResponse } from '../helpers/servers/http-catalog.js';
import { startRefusedPort } from '../helpers/servers/raw-catalog.js';
import type { TestServer } from '../helpers/servers/test-server.js';
import { startApiFixture, type ApiFixture } from './helpers/api-fixture.js';

describe('targets CRUD, check now, history', () => {
  let f: ApiFixture;
  let ok: TestServer;
  let refused: TestServer;
  before(async () => {
    f = await startApiFixture();
    ok = await startFixedResponse(200, 'all good');
    refused = await startRefusedPort();
  });
  after(async () => {
    await f.close();
    await ok.close();
    await refused.close();
  });

  it('creates, reads, lists by tag, patches, replaces and deletes a target', async () => {
    const body = { id: 'web', name: 'Web', check: { url: `${ok.url}health`, auth: { type: 'bearer', token: 'TOPSECRET' }, headers: { 'x-api-key': 'KEYSECRET' } }, interval: '30s', tags: ['prod', 'eu'] };
    const created = await f.call('POST', '/api/v1/targets', { body });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), '/api/v1/targets/web');
    assert.equal(created.json.id, 'web');
    assert.equal(created.json.intervalMs, 30_000);
    assert.deepEqual(created.json.tags, ['prod', 'eu']);
    assert.equal(created.json.spec.auth.token, '[redacted]');
    assert.equal(created.json.spec.headers['x-api-key'], '[redacted]');
    assert.doesNotMatch(created.text, /TOPSECRET|KEYSECRET/);

    const duplicate = await f.call('POST', '/api/v1/targets', { body });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.json.error.code, 'conflict');
    // the daemon's wording, the field named once (the fixture once doubled it: "name: name: …")
    assert.equal(duplicate.json.error.message, 'name: name "Web" is already taken');
    const renamed = await f.call('POST', '/api/v1/targets', { body: { ...body, name: 'Web 2' } });
    assert.equal(renamed.status, 409);
    assert.equal(renamed.json.error.message, 'id: id "web" is already taken');

    const got = await f.call('GET', '/api/v1/targets/web');
    assert.equal(got.status, 200);
    assert.equal(got.json.name, 'Web');
    assert.doesNotMatch(got.text, /TOPSECRET|KEYSECRET/);

    await f.call('POST', '/api/v1/targets', { body: { id: 'db', name: 'DB', check: { kind: 'tcp', host: '127.0.0.1', port: refused.port }, tags: ['prod'] } });
    const prod = await f.call('GET', '/api/v1/targets?tag=prod');
    assert.deepEqual(prod.json.items.map((t: { id: string }) => t.id).sort(), ['db', 'web']);
    const eu = await f.call('GET', '/api/v1/targets?tag=prod&tag=eu');
    assert.deepEqual(eu.json.items.map((t: { id: string }) => t.id), ['web']);
    const tcp = await f.call('GET', '/api/v1/targets?kind=tcp');
    assert.deepEqual(tcp.json.items.map((t: { id: string }) => t.id), ['db']);

    const patched = await f.call('PATCH', '/api/v1/targets/web', { body: { enabled: false, check: { keyword: 'good' } } });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.enabled, false);
    assert.equal(patched.json.spec.keyword, 'good');
    assert.equal(patched.json.spec.url, `${ok.url}health`);
    // The secret survived the patch (kept server-side), and is still not shown.
    const kept = f.daemon.definition('web')?.spec;
    assert.deepEqual(kept?.kind === 'http' ? kept.auth : null, { type: 'bearer', token: 'TOPSECRET' });
    assert.doesNotMatch(patched.text, /TOPSECRET/);

    const changeId = await f.call('PUT', '/api/v1/targets/web', { body: { ...body, id: 'other' } });
    assert.equal(changeId.status, 400);
    assert.equal(changeId.json.error.field, 'id');
    const replaced = await f.call('PUT', '/api/v1/targets/web', { body: { name: 'Web 2', check: { url: ok.url } } });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.json.name, 'Web 2');
    assert.equal(replaced.json.spec.auth, null);
    assert.equal(replaced.json.intervalMs, 60_000);

    const deleted = await f.call('DELETE', '/api/v1/targets/db');
    assert.equal(deleted.status, 204);
    assert.equal((await f.call('GET', '/api/v1/targets/db')).status, 404);
    assert.equal((await f.call('DELETE', '/api/v1/targets/db')).status, 404);
  });

  it('tests a spec once without storing anything', async () => {
    const before = await f.call('GET', '/api/v1/targets');
    const res = await f.call('POST', '/api/v1/targets/test', { body: { name: 'probe', check: { url: ok.url, keyword: 'all good' } } });
    assert.equal(res.status, 200);
    assert.equal(res.json.result.status, 'up');
    assert.equal(res.json.result.statusCode, 200);
    assert.equal(typeof res.json.result.timings.connectMs, 'number');
    const afterList = await f.call('GET', '/api/v1/targets');
    assert.equal(afterList.json.total, before.json.total);
    const bad = await f.call('POST', '/api/v1/targets/test', { body: { name: 'probe', check: { url: ok.url, nope: 1 } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'check.nope');
  });

  it('checks now, then pages results and reports uptime, latency and incidents', async () => {
    await f.call('POST', '/api/v1/targets', { body: { id: 'down', name: 'Down', check: { kind: 'tcp', host: '127.0.0.1', port: refused.port } } });
    const first = await f.call('POST', '/api/v1/targets/web/check');
    assert.equal(first.status, 200);
    assert.equal(first.json.targetId, 'web');
    assert.equal(first.json.trigger, 'manual');
    assert.equal(first.json.result.status, 'up');
    for (let i = 0; i < 2; i += 1) await f.call('POST', '/api/v1/targets/web/check');
    const downRes = await f.call('POST', '/api/v1/targets/down/check');
    assert.equal(downRes.json.result.status, 'down');
    assert.equal(downRes.json.result.errorKind, 'connection_refused');
    assert.equal((await f.call('POST', '/api/v1/targets/nope/check')).status, 404);

    const page1 = await f.call('GET', '/api/v1/targets/web/results?limit=2');
    assert.equal(page1.status, 200);
    assert.equal(page1.json.items.length, 2);
    assert.equal(typeof page1.json.nextCursor, 'string');
    const page2 = await f.call('GET', `/api/v1/targets/web/results?limit=2&cursor=${encodeURIComponent(page1.json.nextCursor)}`);
    assert.equal(page2.json.items.length, 1);
    assert.equal(page2.json.nextCursor, null);
    assert.ok(page1.json.items[0].result.startedAt >= page2.json.items[0].result.startedAt);
    const badCursor = await f.call('GET', '/api/v1/targets/web/results?cursor=garbage');
    assert.equal(badCursor.status, 400);
    const badTime = await f.call('GET', '/api/v1/targets/web/results?from=yesterday');
    assert.equal(badTime.status, 400);
    assert.equal(badTime.json.error.field, 'from');
    const empty = await f.call('GET', `/api/v1/targets/web/results?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`);
    assert.deepEqual(empty.json.items, []);

    const uptime = await f.call('GET', '/api/v1/targets/web/uptime');
    assert.deepEqual(Object.keys(uptime.json.windows), ['1h', '24h', '7d', '30d', '90d']);
    assert.equal(uptime.json.windows['1h'].total, 3);
    assert.equal(uptime.json.windows['1h'].uptimePct, 100);
    const downUptime = await f.call('GET', '/api/v1/targets/down/uptime?window=24h');
    assert.deepEqual(Object.keys(downUptime.json.windows), ['24h']);
    assert.equal(downUptime.json.windows['24h'].uptimePct, 0);

    const latency = await f.call('GET', '/api/v1/targets/web/latency?window=1h');
    assert.equal(latency.status, 200);
    assert.equal(latency.json.phases.connect.count, 3);
    assert.equal(latency.json.phases.tls.count, 0);
    assert.equal(latency.json.phases.tls.p50Ms, null);
    assert.ok(latency.json.phases.total.p99Ms >= latency.json.phases.total.p50Ms);
    assert.equal((await f.call('GET', '/api/v1/targets/web/latency?window=2h')).status, 400);

    // The test handle has no incident tracker: open one the way the daemon's tracker would.
    await f.daemon.store.openIncident({ targetId: 'down', openedAt: downRes.json.result.startedAt, errorKind: 'connection_refused', detail: 'ECONNREFUSED', failureCount: 2 });
    const incidents = await f.call('GET', '/api/v1/incidents');
    assert.equal(incidents.status, 200);
    assert.equal(incidents.json.items.length, 1);
    assert.equal(incidents.json.items[0].targetId, 'down');
    assert.equal(incidents.json.items[0].closedAt, null);
    const open = await f.call('GET', '/api/v1/targets/down/incidents?state=open');
    assert.equal(open.json.items[0].errorKind, 'connection_refused');
    const closed = await f.call('GET', '/api/v1/targets/down/incidents?state=closed');
    assert.deepEqual(closed.json.items, []);
    assert.deepEqual((await f.call('GET', '/api/v1/targets/web/incidents')).json.items, []);
    assert.equal((await f.call('GET', '/api/v1/targets/nope/incidents')).status, 404);
  });

  it('reports stats and readiness', async () => {
    const stats = await f.call('GET', '/api/v1/stats');
    assert.equal(stats.status, 200);
    assert.equal(stats.json.alerts[0].webhook, 'ops');
    const ready = await f.call('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.json.status, 'ready');
  });
});
