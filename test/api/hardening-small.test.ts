import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApiFixture, type ApiFixture } from './helpers/api-fixture.js';

describe('smaller hardening: header merge patch, unsafe names', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture();
  });
  after(async () => {
    await f.close();
  });

  it('PATCH check.headers matches header names case-insensitively: {"cookie":null} removes a stored Cookie', async () => {
    const created = await f.call('POST', '/api/v1/targets', { body: { id: 'h', name: 'h', check: { url: 'http://127.0.0.1:9/', headers: { Cookie: 'sid=1', 'X-Trace': 'a' } } } });
    assert.equal(created.status, 201);
    const patched = await f.call('PATCH', '/api/v1/targets/h', { body: { check: { headers: { cookie: null, 'x-trace': 'b' } } } });
    assert.equal(patched.status, 200, patched.text);
    const spec = f.daemon.definition('h')?.spec;
    assert.deepEqual(spec?.kind === 'http' ? spec.headers : null, { 'x-trace': 'b' });
    assert.deepEqual((await f.daemon.store.getTarget('h'))?.input, { url: 'http://127.0.0.1:9/', headers: { 'X-Trace': 'b' }, timeoutMs: 10_000 });
  });

  it('refuses names and tags with NUL, line breaks or bidi overrides, naming the field', async () => {
    for (const [body, field] of [
      [{ name: 'a\u0000b', check: { url: 'http://127.0.0.1:9/' } }, 'name'],
      [{ name: 'evil\u202Egnp.exe', check: { url: 'http://127.0.0.1:9/' } }, 'name'],
      [{ name: 'two\nlines', check: { url: 'http://127.0.0.1:9/' } }, 'name'],
      [{ name: 'isolate\u2067x', check: { url: 'http://127.0.0.1:9/' } }, 'name'],
      [{ name: 'ok', check: { url: 'http://127.0.0.1:9/' }, tags: ['fine', 'x\u202Dy'] }, 'tags[1]'],
    ] as const) {
      const res = await f.call('POST', '/api/v1/targets', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.error.field, field);
      assert.match(res.json.error.message, /control|bidirectional/);
    }
    assert.equal((await f.call('POST', '/api/v1/targets', { body: { name: 'Zürich — 東京 ✓', check: { url: 'http://127.0.0.1:9/' } } })).status, 201, 'other Unicode is fine');
  });

  it('refuses maintenance window titles and tags with NUL, line breaks or bidi overrides (shown on the status page), naming the field', async () => {
    const window = { id: 'w1', from: '2026-12-05T02:00:00Z', to: '2026-12-05T03:00:00Z', global: true };
    for (const [extra, field] of [
      [{ title: 'db\u0000upgrade' }, 'title'],
      [{ title: 'all fine\u202E(nwod)' }, 'title'],
      [{ title: 'line\nforged' }, 'title'],
      [{ global: undefined, tags: ['prod', 'x\u2066y'] }, 'tags[1]'],
    ] as const) {
      const res = await f.call('POST', '/api/v1/maintenance-windows', { body: { ...window, ...extra } });
      assert.equal(res.status, 400, `${JSON.stringify(extra)}: ${res.text}`);
      assert.equal(res.json.error.field, field);
      assert.match(res.json.error.message, /no control characters \(NUL, line breaks\) and no bidirectional override characters/);
    }
    assert.equal((await f.call('GET', '/api/v1/maintenance-windows')).json.items.length, 0, 'none was created');
    assert.equal((await f.call('POST', '/api/v1/maintenance-windows', { body: { ...window, title: 'Zürich — 東京 ✓' } })).status, 201, 'other Unicode is fine');
  });
});
