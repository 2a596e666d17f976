/**
 * Issue 11, "duplicate names are reported as names, not ids": a target's id is made from its
 * name when none is given, so a repeated name used to be refused as a duplicate *id* (a value
 * the user never wrote). The real daemon, its config file and its API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

test('a repeated name is refused as the name, in the config and over the API (single and batch); a different name that makes a taken id as the id', async () => {
  const dir = tempDir('duplicate-names');
  const config = writeConfig(dir, 'targets:\n  - { name: Shop API, check: { url: "http://127.0.0.1:9/" } }\n  - { name: Shop API, check: { url: "http://127.0.0.1:9/" } }\n');
  const running = await startInProcess(config, dir);
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${running.api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as { error?: { code: string; field: string; message: string }; results?: Array<{ status: number; error?: { field: string; message: string } }> } };
  };
  try {
    assert.ok(running.log.lines.some((l) => l.includes('Shop API') && l.includes('name: duplicate name "Shop API"')), running.log.lines.join('\n'));
    assert.ok(!running.log.lines.some((l) => l.includes('duplicate id')), 'not reported as the id');

    const again = await post('/api/v1/targets', { name: 'Shop API', check: { url: 'http://127.0.0.1:9/' } });
    assert.equal(again.status, 409);
    assert.deepEqual(again.json.error && [again.json.error.code, again.json.error.field, again.json.error.message], ['conflict', 'name', 'name: name "Shop API" is already taken']);

    const sameId = await post('/api/v1/targets', { name: 'shop api', check: { url: 'http://127.0.0.1:9/' } });
    assert.equal(sameId.status, 409);
    assert.deepEqual(sameId.json.error && [sameId.json.error.field, sameId.json.error.message], ['id', 'id: id "shop-api" is already taken']);

    const batch = await post('/api/v1/targets:batch', { items: [{ name: 'Shop API', check: { url: 'http://127.0.0.1:9/' } }] });
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.json.results?.map((r) => [r.status, r.error?.field]), [[409, 'name']]);
  } finally {
    await running.stop();
  }
});
