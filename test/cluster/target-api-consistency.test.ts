// Every node's API answers from the shared store's target set (docs/cluster.md, "Shared
// reads"): two real `vigil serve` processes on a real Postgres (a schema of its own). A
// target created through node A is read, listed, patched and deleted through node B at once —
// no waiting for B's 2 s sync tick — and a change or delete made through either node is seen
// by the other on its very next request. Each step is a single request, never a retry loop:
// without the read-through, B answers 404 (or the old definition) for up to 2 s.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { schemaPool } from '../helpers/postgres.js';
import { tempDir, writeConfig } from '../daemon/helpers.js';
import { startNode, type Node, killNodes, apiCaller } from './nodes.js';

const schemas = schemaPool('vigil_target_consistency');
const TOKEN = 'target-consistency-token-0123456789';
const ROUNDS = 5;

type Json = Record<string, unknown>;

test('cluster API: a target created, patched or deleted through one node is seen through the other at once', { timeout: 180_000 }, async () => {
  const server = createServer((_req, res) => res.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = writeConfig(tempDir('target-consistency'), ['defaults:', '  allowPrivateTargets: true', '  interval: 60s', ''].join('\n'));
  const schema = schemas.next();
  const nodes: Node[] = [];
  const call = apiCaller(TOKEN);
  const listed = async (n: Node): Promise<string[]> => {
    const { status, json } = await call(n, 'GET', '/targets');
    assert.equal(status, 200);
    return (json?.items as Array<{ id: string }>).map((t) => t.id);
  };
  try {
    for (const name of ['a', 'b']) nodes.push(await startNode(name, config, schemas.urlFor(schema), [], { VIGIL_API_TOKEN: TOKEN }));
    const [a, b] = nodes as [Node, Node];
    for (let i = 0; i < ROUNDS; i++) {
      const id = `t${i}`;
      const created = await call(a, 'POST', '/targets', { id, name: `target ${i}`, check: { url: `${base}/${id}` }, tags: ['v1'] });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      // read through B at once
      const got = await call(b, 'GET', `/targets/${id}`);
      assert.equal(got.status, 200, `round ${i}: GET on B right after the create on A: ${JSON.stringify(got.json)}`);
      assert.deepEqual([got.json?.id, got.json?.name, got.json?.tags], [id, `target ${i}`, ['v1']]);
      assert.ok((await listed(b)).includes(id), `round ${i}: B's list includes ${id}`);
      // a name taken through A is refused through B as a conflict naming the field
      const clash = await call(b, 'POST', '/targets', { id: `${id}-other`, name: `target ${i}`, check: { url: `${base}/x` } });
      assert.deepEqual([clash.status, (clash.json?.error as Json | undefined)?.code, (clash.json?.error as Json | undefined)?.field], [409, 'conflict', 'name']);
      // patch through B, read the change back through A at once, twice in a row
      for (const tag of ['v2', 'v3']) {
        const patched = await call(b, 'PATCH', `/targets/${id}`, { tags: [tag] });
        assert.equal(patched.status, 200, JSON.stringify(patched.json));
        const back = await call(a, 'GET', `/targets/${id}`);
        assert.deepEqual([back.status, back.json?.tags], [200, [tag]], `round ${i}: A sees B's patch to ${tag}`);
      }
      // delete through one node, gone through the other at once (both ways)
      const deleter = i % 2 === 0 ? b : a;
      const reader = deleter === a ? b : a;
      assert.equal((await call(deleter, 'DELETE', `/targets/${id}`)).status, 204);
      const gone = await call(reader, 'GET', `/targets/${id}`);
      assert.deepEqual([gone.status, (gone.json?.error as Json | undefined)?.code], [404, 'not_found'], `round ${i}: GET on ${reader.name} after the delete on ${deleter.name}`);
      assert.equal((await call(reader, 'PATCH', `/targets/${id}`, { tags: ['late'] })).status, 404);
      assert.equal((await call(reader, 'DELETE', `/targets/${id}`)).status, 404);
      assert.ok(!(await listed(reader)).includes(id), `round ${i}: ${reader.name}'s list no longer includes ${id}`);
    }
    // and DELETE through B of a target A created a moment ago
    const fresh = await call(a, 'POST', '/targets', { id: 'quick', name: 'quick', check: { url: `${base}/quick` } });
    assert.equal(fresh.status, 201);
    assert.equal((await call(b, 'DELETE', '/targets/quick')).status, 204);
    assert.equal((await call(a, 'GET', '/targets/quick')).status, 404);
    assert.deepEqual([await listed(a), await listed(b)], [[], []]);
  } finally {
    await killNodes(nodes);
    await new Promise<void>((r) => server.close(() => r()));
  }
});
