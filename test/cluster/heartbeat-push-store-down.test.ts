// A push reaching a Postgres node whose store cannot keep it: 503 with Retry-After, the token
// nowhere in the answer or the log, the node stays up, and the next push after the store is
// back is kept (docs/cluster.md, "Heartbeats"; OpenAPI: the push's 503).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminQuery, schemaPool } from '../helpers/postgres.js';
import { tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { startNode, type Node, killNodes, printOutputs } from './nodes.js';

const schemas = schemaPool('vigil_hb_store_down');
const TOKEN = 'store-down-push-token-AbCdEfGhIjKlMn';

test('a push the store cannot keep is a 503 with Retry-After, never a silent 200; the next one after the store is back is kept', { timeout: 120_000 }, async () => {
  const config = writeConfig(
    tempDir('hb-store-down'),
    'targets:\n  - id: cron\n    name: Cron job\n    check: { kind: heartbeat, period: 1h, grace: 10m, token: "${env:CRON_TOKEN}" }\n',
  );
  const schema = schemas.next();
  let node: Node | null = null;
  try {
    node = await startNode('a', config, schemas.urlFor(schema), [], { CRON_TOKEN: TOKEN });
    const api = node.api;
    const push = (): Promise<Response> => fetch(`${api}/push/${TOKEN}`, { method: 'POST' });
    const signals = async (): Promise<number> => Number((await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.heartbeat_signals`))[0]?.n);

    assert.equal((await push()).status, 200);
    await waitFor(async () => (await signals()) === 1, 10_000, 'the first push kept');

    // the store refuses the write (the table is gone): the push must not be answered as kept
    await adminQuery(`ALTER TABLE ${schema}.heartbeat_signals RENAME TO heartbeat_signals_away`);
    const refused = await push();
    const body = await refused.text();
    assert.equal(refused.status, 503, body);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'not_ready');
    assert.ok(!body.includes(TOKEN), 'the token is not echoed');

    await adminQuery(`ALTER TABLE ${schema}.heartbeat_signals_away RENAME TO heartbeat_signals`);
    assert.equal((await push()).status, 200, 'the node is still up and keeps pushes again');
    await waitFor(async () => (await signals()) === 2, 10_000, 'the push after the store came back kept');
    const log = node.output.join('');
    assert.match(log, /heartbeat: a push to cron could not be kept for its evaluating node/);
    assert.ok(!log.includes(TOKEN), 'the token is not in the log');
  } catch (err) {
    printOutputs(node === null ? [] : [node]);
    throw err;
  } finally {
    await killNodes(node === null ? [] : [node]);
  }
});
