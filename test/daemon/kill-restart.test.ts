import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readStoredResults, startServe, startTargetServer, targetsYaml, tempDir, waitFor, writeConfig } from './helpers.js';

const IDS = Array.from({ length: 10 }, (_, i) => `t${i}`);

test('after kill -9, committed results and API-created targets are there on restart', async () => {
  const server = await startTargetServer();
  const dir = tempDir('kill9');
  const db = join(dir, 'vigil.db');
  try {
    const config = writeConfig(dir, targetsYaml(IDS.length, server.url));
    const first = await startServe(['--config', config, '--port', '0', '--data-dir', dir]);
    const created = await fetch(`${first.apiUrl}/api/v1/targets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'made-by-api', name: 'made by api', check: { url: `${server.url}/api` }, interval: '1s' }),
    });
    assert.equal(created.status, 201, await created.text());
    // Wait until a few batches are committed (flush every 500 ms), read them from another connection.
    let committed = 0;
    await waitFor(async () => (committed = (await readStoredResults(db, [...IDS, 'made-by-api'])).length) >= 25, 20_000, 'committed results');
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null);

    const second = await startServe(['--config', config, '--port', '0', '--data-dir', dir]);
    const list = (await (await fetch(`${second.apiUrl}/api/v1/targets`)).json()) as { items: Array<{ id: string; source: string }> };
    const ids = list.items.map((t) => `${t.id}:${t.source}`).sort();
    assert.deepEqual(ids, [...IDS.map((id) => `${id}:config`), 'made-by-api:api'].sort());
    const ready = await fetch(`${second.apiUrl}/readyz`);
    assert.equal(ready.status, 200);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output.join(''));

    const after = await readStoredResults(db, [...IDS, 'made-by-api']);
    const beforeKill = after.filter((r) => r.result.startedAt < killedAt);
    assert.ok(beforeKill.length >= committed, `${beforeKill.length} results from before the kill, ${committed} were committed`);
    assert.ok(after.some((r) => r.targetId === 'made-by-api'));
  } finally {
    await server.close();
  }
});
