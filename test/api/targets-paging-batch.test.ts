import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApiFixture, type ApiFixture } from './helpers/api-fixture.js';

const tcp = (id: string) => ({ id, name: `name ${id}`, check: { kind: 'tcp', host: '127.0.0.1', port: 9 } });

describe('GET /api/v1/targets pages; POST /api/v1/targets:batch creates per item', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture();
  });
  after(async () => {
    await f.close();
  });

  it('a batch creates the valid items and reports each refused one as a single POST would', async () => {
    const items = [tcp('b1'), { name: 'bad', check: { url: 'not a url' } }, tcp('b2'), tcp('b1'), { name: 'typo', check: { kind: 'tcp', host: 'h', port: 1 }, intervall: '1m' }];
    const res = await f.call('POST', '/api/v1/targets:batch', { body: { items } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.created, 2);
    assert.equal(res.json.refused, 3);
    assert.deepEqual(res.json.results.map((r: { index: number; status: number }) => [r.index, r.status]), [[0, 201], [1, 400], [2, 201], [3, 409], [4, 400]]);
    assert.equal(res.json.results[1].error.field, 'check.url');
    assert.equal(res.json.results[3].error.code, 'conflict');
    assert.equal(res.json.results[4].error.code, 'unknown_field');
    assert.equal(res.json.results[0].target.id, 'b1');
    assert.notEqual(f.daemon.getTarget('b2'), undefined);
    for (const body of [{}, { items: [] }, { items: Array.from({ length: 501 }, (_, i) => tcp(`x${i}`)) }, { items: [tcp('z')], extra: 1 }]) {
      const refused = await f.call('POST', '/api/v1/targets:batch', { body });
      assert.equal(refused.status, 400, JSON.stringify(body).slice(0, 80));
    }
    assert.equal(f.daemon.getTarget('x0'), undefined, 'an oversized batch creates nothing');
  });

  it('pages by id with limit and an opaque cursor; total counts every match', async () => {
    const ids = Array.from({ length: 23 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    const res = await f.call('POST', '/api/v1/targets:batch', { body: { items: ids.map(tcp) } });
    assert.equal(res.json.created, 23);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await f.call('GET', `/api/v1/targets?limit=10${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(page.status, 200);
      assert.equal(page.json.total, 25);
      assert.ok(page.json.items.length <= 10);
      seen.push(...page.json.items.map((t: { id: string }) => t.id));
      cursor = page.json.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['b1', 'b2', ...ids]);
    const first = await f.call('GET', '/api/v1/targets');
    assert.equal(first.json.items.length, 25, 'default page size 100');
    assert.equal(first.json.nextCursor, null);
    for (const q of ['limit=0', 'limit=1001', 'limit=x', 'cursor=bm9wZQ']) {
      const bad = await f.call('GET', `/api/v1/targets?${q}`);
      assert.equal(bad.status, 400, q);
      assert.equal(bad.json.error.code, 'invalid_query');
    }
  });
});
