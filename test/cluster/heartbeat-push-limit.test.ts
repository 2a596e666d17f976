// A push URL's rate limit holds for the cluster (docs/heartbeat.md, "Rate limits"): two real
// nodes on one Postgres, a job alternating its pushes between them gets the per-token budget
// once — 10 in a burst, then one per 6 s — not once per node. Counts: the number accepted is
// checked against the budget for the time the pushes actually took.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PUSH_LIMIT_PER_TOKEN } from '../../src/config/push-token.js';
import { adminQuery, schemaPool } from '../helpers/postgres.js';
import { tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { startNode, type Node, printOutputs, killNodes } from './nodes.js';

const schemas = schemaPool('vigil_push_limit');
const TOKEN = 'limit-push-token-AbCdEfGhIjKlMnOpQr';

test('push rate limit across two nodes: the burst once for the cluster, 429 with Retry-After beyond it, refused pushes not kept', { timeout: 180_000 }, async () => {
  const config = writeConfig(tempDir('push-limit'), 'targets:\n  - id: cron\n    name: Cron\n    check: { kind: heartbeat, period: 1h, grace: 1h, token: "${env:CRON_TOKEN}" }\n');
  const schema = schemas.next();
  const nodes: Node[] = [];
  try {
    await Promise.all(['a', 'b'].map((name) => startNode(name, config, schemas.urlFor(schema), [], { CRON_TOKEN: TOKEN }).then((n) => nodes.push(n))));
    await waitFor(async () => (await adminQuery(`SELECT 1 FROM ${schema}.cluster_nodes`)).length === 2, 30_000, 'two live nodes');
    const statuses: number[] = [];
    let refusal: Response | null = null;
    const startedAt = Date.now();
    // 20 pushes, alternating: each node alone would allow all of them (10 each from its burst)
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${nodes[i % 2]!.api}/push/${TOKEN}`, { method: 'POST' });
      statuses.push(res.status);
      if (res.status === 429 && refusal === null) refusal = res;
      else await res.arrayBuffer();
    }
    const elapsedMs = Date.now() - startedAt;
    const accepted = statuses.filter((s) => s === 200).length;
    const allowed = PUSH_LIMIT_PER_TOKEN.burst + Math.floor(elapsedMs / PUSH_LIMIT_PER_TOKEN.refillEveryMs);
    console.log(`# 20 pushes alternating over two nodes in ${elapsedMs} ms: ${accepted} accepted (the cluster's budget for that time: ${allowed}), statuses ${statuses.join(',')}`);
    assert.deepEqual(statuses.slice(0, PUSH_LIMIT_PER_TOKEN.burst), Array(PUSH_LIMIT_PER_TOKEN.burst).fill(200), 'the burst');
    assert.ok(accepted <= allowed, `${accepted} accepted, more than the cluster's ${allowed}`);
    assert.deepEqual(statuses.filter((s) => s !== 200 && s !== 429), [], 'every other push is a 429');
    assert.ok(refusal !== null, 'some pushes were refused');
    const body = (await refusal.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'rate_limited');
    assert.match(refusal.headers.get('retry-after') ?? '', /^[1-6]$/);
    assert.ok(!JSON.stringify(body).includes(TOKEN), 'the token is not echoed');
    const kept = await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.heartbeat_signals WHERE target_id = 'cron'`);
    assert.equal(Number(kept[0]?.n), accepted, 'one kept push per 200, none for a 429');
    for (const n of nodes) assert.ok(!n.output.join('').includes(TOKEN), `${n.name} never logs the token`);
  } catch (err) {
    printOutputs(nodes);
    throw err;
  } finally {
    await killNodes(nodes);
  }
});
