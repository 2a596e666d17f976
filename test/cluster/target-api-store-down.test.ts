// The target API of a node on Postgres while the store cannot be reached (docs/cluster.md,
// "Shared reads"): a real `vigil serve` whose connection runs through a TCP proxy the test
// cuts, and then a store that answers but has lost its targets and change-counter tables.
// Every target endpoint answers exactly 503 not_ready + Retry-After: 5 with a fixed message —
// no stale target, no SQL error text, no address, schema or token — a write refused meanwhile
// changes nothing, and the same node answers normally once the store is back.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { adminQuery, schemaPool, TEST_PG_URL } from '../helpers/postgres.js';
import { freePort, tcpProxy } from '../helpers/tcp-proxy.js';
import { tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { startNode, type Node, killNodes, printOutputs } from './nodes.js';

const schemas = schemaPool('vigil_target_store_down');
const TOKEN = 'store-down-api-token-ZyXwVuTsRqPo0123';
const AWAY = { error: { code: 'not_ready', message: 'the shared store is not reachable, so the target set cannot be confirmed; retry' } };

test('target API with the store unreachable: exact 503 + Retry-After, nothing leaked, nothing changed, normal again after', { timeout: 180_000 }, async () => {
  const server = createServer((_req, res) => res.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = writeConfig(tempDir('target-store-down'), ['defaults:', '  allowPrivateTargets: true', '  interval: 60s', ''].join('\n'));
  const schema = schemas.next();
  const proxy = tcpProxy(await freePort(), Number(new URL(TEST_PG_URL).port || 5432));
  await proxy.start();
  const url = `postgres://postgres@127.0.0.1:${proxy.port}/${new URL(TEST_PG_URL).pathname.slice(1)}?schema=${schema}`;
  let node: Node | null = null;
  try {
    node = await startNode('a', config, url, [], { VIGIL_API_TOKEN: TOKEN });
    const api = node.api;
    const call = async (method: string, path: string, body?: unknown) => {
      const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${api}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type'), text: await res.text() };
    };
    const created = await call('POST', '/api/v1/targets', { id: 'shop', name: 'Shop', check: { url: `${base}/shop` }, tags: ['v1'] });
    assert.equal(created.status, 201, created.text);
    assert.equal((await call('GET', '/api/v1/targets/shop')).status, 200);

    // every endpoint that answers from the target set, and the refused writes
    const requests: Array<[string, string, unknown?]> = [
      ['GET', '/api/v1/targets/shop'],
      ['GET', '/api/v1/targets'],
      ['PATCH', '/api/v1/targets/shop', { tags: ['changed-while-away'] }],
      ['POST', '/api/v1/targets', { id: 'other', name: 'Other', check: { url: `${base}/other` } }],
      ['DELETE', '/api/v1/targets/shop'],
      ['GET', '/api/v1/maintenance-windows'],
    ];
    const leaks = [String(proxy.port), schema, 'postgres', 'ECONNREFUSED', 'relation', 'targets_away', 'change_counters', TOKEN];
    const assertAway = async (how: string): Promise<void> => {
      for (const [method, path, body] of requests) {
        const res = await call(method, path, body);
        assert.deepEqual([res.status, res.retryAfter, res.type], [503, '5', 'application/json; charset=utf-8'], `${how}: ${method} ${path}: ${res.text}`);
        assert.deepEqual(JSON.parse(res.text), AWAY, `${how}: ${method} ${path}`);
        for (const secret of leaks) assert.ok(!res.text.includes(secret), `${how}: ${method} ${path} leaks ${secret}`);
      }
      // the public pages: an HTML page / an SVG, same status and Retry-After, no detail
      for (const path of ['/', '/status/shop', '/badge/shop/status.svg']) {
        const res = await call('GET', path);
        assert.deepEqual([res.status, res.retryAfter], [503, '5'], `${how}: GET ${path}`);
        assert.match(res.text, /cannot be read right now/);
        for (const secret of leaks) assert.ok(!res.text.includes(secret), `${how}: GET ${path} leaks ${secret}`);
      }
    };
    const assertBack = async (how: string): Promise<void> => {
      // the pool replaces the connections the cut killed: the first answers may still be 503
      await waitFor(async () => (await call('GET', '/api/v1/targets/shop')).status === 200, 20_000, `${how}: the API answering again`);
      const got = await call('GET', '/api/v1/targets/shop');
      assert.deepEqual([got.status, (JSON.parse(got.text) as { tags: string[] }).tags], [200, ['v1']], `${how}: the target as before, the refused PATCH not applied`);
      const list = await call('GET', '/api/v1/targets');
      assert.deepEqual((JSON.parse(list.text) as { items: Array<{ id: string }> }).items.map((t) => t.id), ['shop'], `${how}: the refused POST and DELETE changed nothing`);
      assert.equal((await call('GET', '/')).status, 200);
      assert.equal(node?.child.exitCode, null, 'the node is still running');
    };

    // 1. the database unreachable (connections cut, new ones refused)
    await proxy.stop();
    await assertAway('proxy cut');
    await proxy.start();
    await assertBack('proxy back');

    // 2. the database answers, but the queries fail (the tables renamed away). A read-through
    // reads only the change counters (docs/cluster.md): with them gone it cannot confirm the
    // set, so it must refuse; the targets table goes too, so no path reads it instead.
    await adminQuery(`ALTER TABLE ${schema}.targets RENAME TO targets_away; ALTER TABLE ${schema}.change_counters RENAME TO change_counters_away`);
    try {
      await assertAway('tables away');
    } finally {
      await adminQuery(`ALTER TABLE ${schema}.targets_away RENAME TO targets; ALTER TABLE ${schema}.change_counters_away RENAME TO change_counters`);
    }
    await assertBack('tables back');

    assert.ok(!node.output.join('').includes(TOKEN), 'the API token is not in the log');
  } catch (err) {
    printOutputs(node === null ? [] : [node]);
    throw err;
  } finally {
    await killNodes(node === null ? [] : [node]);
    await proxy.stop();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
