// Regions and quorum through the REST API of a real daemon (SQLite, one node): created, read
// back, replaced (PUT), merge-patched (PATCH, null = back to the default), kept across a
// restart (read from the store), and every bad value refused with a 400 naming the field.
// One node alone is one implicit region: a config target naming another region is still
// checked, and no regionsWithoutLiveNode is reported (that is the cluster's, see
// regions-api-cluster.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTargetServer, tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { startInProcess } from '../daemon/in-process.js';

type Json = Record<string, unknown>;

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json; text: string }> {
  const res = await fetch(`${base}/api/v1${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Json), text };
}

const placement = (t: Json) => [t.regions, t.quorum, 'regionsWithoutLiveNode' in t];

test('API: regions and quorum are created, read back, replaced, patched and kept; bad values refused naming the field', { timeout: 90_000 }, async () => {
  const server = await startTargetServer();
  const dir = tempDir('region-api');
  const path = writeConfig(dir, `targets:\n  - id: t\n    name: t\n    check: { url: "${server.url}/" }\n    interval: 1s\n    allowPrivateTargets: true\n    regions: [elsewhere]\n    quorum: all\n`);
  let running = await startInProcess(path, dir);
  const base = () => running.api.url;
  try {
    const check = { url: 'https://example.com/' };
    const created = await call(base(), 'POST', '/targets', { id: 'web', name: 'web', check, regions: ['europe', 'america'], quorum: 'all' });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(placement(created.json), [['europe', 'america'], 'all', false]);
    assert.deepEqual(placement((await call(base(), 'GET', '/targets/web')).json), [['europe', 'america'], 'all', false]);
    assert.deepEqual(((await call(base(), 'GET', '/targets')).json.items as Json[]).map((t) => [t.id, t.regions, t.quorum]), [['t', ['elsewhere'], 'all'], ['web', ['europe', 'america'], 'all']]);
    // PATCH is a merge patch: a field left out is kept, null goes back to the default
    assert.deepEqual(placement((await call(base(), 'PATCH', '/targets/web', { quorum: 'any' })).json), [['europe', 'america'], 'any', false]);
    assert.deepEqual(placement((await call(base(), 'PATCH', '/targets/web', { tags: ['x'] })).json), [['europe', 'america'], 'any', false]);
    assert.deepEqual(placement((await call(base(), 'PATCH', '/targets/web', { regions: null })).json), [null, 'any', false]);
    assert.deepEqual(placement((await call(base(), 'PATCH', '/targets/web', { regions: ['asia'], quorum: null })).json), [['asia'], 'majority', false]);
    // PUT replaces the whole definition: left out means the default
    assert.deepEqual(placement((await call(base(), 'PUT', '/targets/web', { name: 'web', check })).json), [null, 'majority', false]);
    assert.deepEqual(placement((await call(base(), 'PUT', '/targets/web', { name: 'web', check, regions: ['eu-west.1'], quorum: 'any' })).json), [['eu-west.1'], 'any', false]);
    const stored = await running.daemon.store.getTarget('web');
    assert.deepEqual([stored?.regions, stored?.quorum], [['eu-west.1'], 'any']);

    const refusals: Array<[string, Json, number, string, string, RegExp]> = [
      ['POST', { regions: 'europe' }, 400, 'invalid_type', 'regions', /^regions: /],
      ['POST', { regions: {} }, 400, 'invalid_type', 'regions', /^regions: /],
      ['POST', { regions: [] }, 400, 'invalid_field', 'regions', /^regions: expected at least one region/],
      ['POST', { regions: ['eu', 'eu'] }, 400, 'invalid_field', 'regions', /^regions: expected each region once, got "eu" twice$/],
      ['POST', { regions: ['eu', 7] }, 400, 'invalid_type', 'regions[1]', /^regions\[1\]: /],
      ['POST', { regions: ['x'.repeat(65)] }, 400, 'invalid_field', 'regions[0]', /^regions\[0\]: expected region names of 1-64/],
      ['POST', { regions: ['eu\u202eus'] }, 400, 'invalid_field', 'regions[0]', /^regions\[0\]: expected region names/],
      ['POST', { regions: ['eu\u0007'] }, 400, 'invalid_field', 'regions[0]', /^regions\[0\]: expected region names/],
      ['POST', { regions: ['eu\nus'] }, 400, 'invalid_field', 'regions[0]', /^regions\[0\]: expected region names/],
      ['POST', { regions: Array.from({ length: 33 }, (_, i) => `r${i}`) }, 400, 'invalid_field', 'regions', /^regions: /],
      ['POST', { quorum: 'most' }, 400, 'invalid_field', 'quorum', /^quorum: /],
      ['POST', { quorum: null }, 400, 'invalid_field', 'quorum', /^quorum: /],
      ['POST', { quorum: 2 }, 400, 'invalid_field', 'quorum', /^quorum: /],
      ['PUT', { regions: [] }, 400, 'invalid_field', 'regions', /^regions: expected at least one region/],
      ['PUT', { quorum: 'half' }, 400, 'invalid_field', 'quorum', /^quorum: /],
      ['PATCH', { regions: ['ok', 'ok'] }, 400, 'invalid_field', 'regions', /^regions: expected each region once/],
      ['PATCH', { regions: ['bad name'] }, 400, 'invalid_field', 'regions[0]', /^regions\[0\]: /],
      ['PATCH', { quorum: 'most' }, 400, 'invalid_field', 'quorum', /^quorum: /],
    ];
    for (const [method, extra, status, code, field, message] of refusals) {
      const body = method === 'PATCH' ? extra : { name: method === 'POST' ? 'new' : 'web', check, ...extra };
      const r = await call(base(), method, method === 'POST' ? '/targets' : '/targets/web', body);
      const error = r.json.error as Json;
      const what = `${method} ${JSON.stringify(extra).slice(0, 60)}`;
      assert.equal(r.status, status, `${what}: ${r.text}`);
      assert.deepEqual([error.code, error.field], [code, field], `${what}: ${r.text}`);
      assert.match(String(error.message), message, what);
      // no stack trace, and a refused control or bidi character is never echoed raw
      assert.doesNotMatch(r.text, /\bat [\w.]+ \(|node:internal/);
      for (const raw of ['\u202e', '\u0007']) assert.equal(r.text.includes(raw), false, what);
    }
    // nothing refused changed anything
    assert.equal((await call(base(), 'GET', '/targets/new')).status, 404);
    assert.deepEqual(placement((await call(base(), 'GET', '/targets/web')).json), [['eu-west.1'], 'any', false]);

    // a restart reads them back from the store
    await running.stop();
    running = await startInProcess(path, dir);
    assert.deepEqual(placement((await call(base(), 'GET', '/targets/web')).json), [['eu-west.1'], 'any', false]);
    // one node alone is every region: the config target naming "elsewhere" is checked here
    const before = server.received;
    await waitFor(() => server.received >= before + 2, 10_000, 'the single node checks the target');
  } finally {
    await running.stop();
    await server.close();
  }
});
