// The status pages, badges and maintenance-window endpoints of every node answer from the
// shared store (docs/cluster.md, "Shared reads"), as the target API does: two real `vigil
// serve` processes on a real Postgres (a schema of its own). A target or window created,
// changed or deleted through node A is seen through node B on B's very next request — single
// requests, never a retry loop: without the read-through B answers 404 or the old set for up
// to 2 s (targets) or until restart (windows, which no node re-read before).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { schemaPool } from '../helpers/postgres.js';
import { tempDir, writeConfig } from '../daemon/helpers.js';
import { startNode, type Node, printOutputs, killNodes, apiCaller } from './nodes.js';

const schemas = schemaPool('vigil_shared_pages');
const TOKEN = 'shared-pages-token-0123456789abcdef';
const ROUNDS = 3;

type Json = Record<string, unknown>;

test('cluster: status pages, badges and maintenance windows through one node see the changes made through the other at once', { timeout: 180_000 }, async () => {
  const server = createServer((_req, res) => res.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = writeConfig(tempDir('shared-pages'), ['defaults:', '  allowPrivateTargets: true', '  interval: 60s', ''].join('\n'));
  const schema = schemas.next();
  const nodes: Node[] = [];
  const call = apiCaller(TOKEN);
  const page = async (n: Node, path: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${n.api}${path}`);
    return { status: res.status, text: await res.text() };
  };
  const errorCode = (json: Json | null) => (json?.error as Json | undefined)?.code;
  try {
    for (const name of ['a', 'b']) nodes.push(await startNode(name, config, schemas.urlFor(schema), [], { VIGIL_API_TOKEN: TOKEN }));
    const [a, b] = nodes as [Node, Node];
    for (let i = 0; i < ROUNDS; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      const id = `site-${i}`;
      const name = `Shop front ${i}`;
      const created = await call(writer, 'POST', '/targets', { id, name, check: { url: `${base}/${id}` } });
      assert.equal(created.status, 201, JSON.stringify(created.json));

      // the status pages and badges of the other node, at once
      const overview = await page(reader, '/');
      assert.equal(overview.status, 200);
      assert.ok(overview.text.includes(name), `round ${i}: ${reader.name}'s overview lists ${name}`);
      assert.equal((await page(reader, `/status/${id}`)).status, 200, `round ${i}: ${reader.name}'s page for ${id}`);
      const badge = await page(reader, `/badge/${id}/status.svg`);
      assert.equal(badge.status, 200, `round ${i}: ${reader.name}'s status badge for ${id}`);
      assert.equal((await page(reader, `/badge/${id}/uptime.svg`)).status, 200);

      // a window open now, created through the writer: read, listed for the target, in force on the reader's badge
      const wid = `upgrade-${i}`;
      const now = Date.now();
      const window = { id: wid, title: `Upgrade ${i}`, from: now - 60_000, to: now + 3_600_000, targets: [id] };
      const made = await call(writer, 'POST', '/maintenance-windows', window);
      assert.equal(made.status, 201, JSON.stringify(made.json));
      const got = await call(reader, 'GET', `/maintenance-windows/${wid}`);
      assert.deepEqual([got.status, got.json?.title, got.json?.openNow], [200, `Upgrade ${i}`, true], `round ${i}: ${reader.name} reads ${wid}`);
      const listed = await call(reader, 'GET', `/maintenance-windows?target=${id}`);
      assert.deepEqual([listed.status, (listed.json?.items as Json[]).map((w) => w.id)], [200, [wid]], `round ${i}: ${reader.name} lists ${wid} for ${id}`);
      assert.match((await page(reader, `/badge/${id}/status.svg`)).text, />maintenance</, `round ${i}: ${reader.name}'s badge shows the window`);
      // the same id through the reader is a conflict; a change through the reader is read back through the writer
      const clash = await call(reader, 'POST', '/maintenance-windows', window);
      assert.deepEqual([clash.status, errorCode(clash.json), (clash.json?.error as Json | undefined)?.field], [409, 'conflict', 'id']);
      const replaced = await call(reader, 'PUT', `/maintenance-windows/${wid}`, { ...window, title: `Upgrade ${i} (moved)` });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.json));
      const back = await call(writer, 'GET', `/maintenance-windows/${wid}`);
      assert.deepEqual([back.status, back.json?.title], [200, `Upgrade ${i} (moved)`], `round ${i}: ${writer.name} sees ${reader.name}'s PUT`);
      // deleted through the writer: gone through the reader at once
      assert.equal((await call(writer, 'DELETE', `/maintenance-windows/${wid}`)).status, 204);
      const gone = await call(reader, 'GET', `/maintenance-windows/${wid}`);
      assert.deepEqual([gone.status, errorCode(gone.json)], [404, 'not_found'], `round ${i}: ${reader.name} after the delete on ${writer.name}`);
      assert.equal((await call(reader, 'DELETE', `/maintenance-windows/${wid}`)).status, 404);
      assert.doesNotMatch((await page(reader, `/badge/${id}/status.svg`)).text, />maintenance</);

      // the target deleted through the writer: the reader's pages drop it at once
      assert.equal((await call(writer, 'DELETE', `/targets/${id}`)).status, 204);
      assert.equal((await page(reader, `/status/${id}`)).status, 404, `round ${i}: ${reader.name}'s page after the delete`);
      assert.equal((await page(reader, `/badge/${id}/status.svg`)).status, 404);
      assert.ok(!(await page(reader, '/')).text.includes(name), `round ${i}: ${reader.name}'s overview no longer lists ${name}`);
      const unknown = await call(reader, 'GET', `/maintenance-windows?target=${id}`);
      assert.deepEqual([unknown.status, errorCode(unknown.json)], [404, 'not_found']);
    }
  } catch (err) {
    printOutputs(nodes);
    throw err;
  } finally {
    await killNodes(nodes);
    await new Promise<void>((r) => server.close(() => r()));
  }
});
