import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildRoutes } from '../../src/api/server.js';
import type { ApiDeps } from '../../src/api/api-deps.js';
import { startApiFixture, type ApiFixture } from './helpers/api-fixture.js';

describe('OpenAPI document', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture();
  });
  after(async () => {
    await f.close();
  });

  it('is served as OpenAPI 3.1 and lists exactly the routes the server answers', async () => {
    const res = await f.call('GET', '/api/v1/openapi.json', { token: null });
    assert.equal(res.status, 200);
    const doc = res.json as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    // The route table needs deps only to build handlers; walking it needs none.
    const routes = buildRoutes({ handle: f.daemon } as unknown as ApiDeps);
    const served = new Set(routes.map((r) => `${r.method.toLowerCase()} ${r.path}`));
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
    assert.deepEqual([...served].filter((r) => !documented.has(r)), [], 'routes missing from the document');
    assert.deepEqual([...documented].filter((r) => !served.has(r)), [], 'documented operations the server does not answer');
  });

  it('resolves every $ref inside the document', async () => {
    const doc = (await f.call('GET', '/api/v1/openapi.json')).json;
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    assert.ok(refs.length > 20);
    for (const raw of new Set(refs)) {
      const pointer = raw.slice(8, -1).replace(/^#\//, '').split('/');
      let node: unknown = doc;
      for (const key of pointer) node = (node as Record<string, unknown>)?.[key];
      assert.notEqual(node, undefined, `unresolved ${raw}`);
    }
  });

  it('documents path parameters for every templated path', async () => {
    const doc = (await f.call('GET', '/api/v1/openapi.json')).json as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>> };
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        assert.deepEqual(declared, names, `${method} ${path}`);
      }
    }
  });
});
