// Heartbeats with two regions (real processes, real Postgres): a push reaching one region's
// node is seen by the owner in EVERY region (each keeps its own heartbeat_state row), so
// successes pushed only to america keep europe's view up too, and a fail pushed to europe
// alone opens one incident — both regions down, majority — with one alert.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminQuery, schemaPool } from '../helpers/postgres.js';
import { tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { startHookReceiver, startNode, type Node, printOutputs, killNodes } from './nodes.js';

const schemas = schemaPool('vigil_hb_regions');
const TOKEN = 'regions-push-token-AbCdEfGhIjKlMnOp';

test('heartbeats with two regions: every region sees every push; one incident and one alert per fail', { timeout: 240_000 }, async () => {
  const receiver = await startHookReceiver((e) => (String(e.type).startsWith('incident_') ? { type: String(e.type), ...(typeof e.detail === 'string' ? { detail: e.detail } : {}) } : null));
  const hooks = receiver.hooks;
  const config = writeConfig(
    tempDir('hb-regions'),
    receiver.alertsYaml() +
      'targets:\n  - id: cron\n    name: Cron job\n    check: { kind: heartbeat, period: 4s, grace: 2s, token: "${env:CRON_TOKEN}" }\n',
  );
  const schema = schemas.next();
  const nodes: Node[] = [];
  const push = async (node: Node, path = ''): Promise<number> => (await fetch(`${node.api}/push/${TOKEN}${path}`, { method: 'POST' })).status;
  const incidents = () => adminQuery<{ error_kind: string; closed_at: number | null }>(`SELECT error_kind, closed_at FROM ${schema}.incidents ORDER BY id`);
  const states = () => adminQuery<{ region: string; last_seen_at: number | null }>(`SELECT region, last_seen_at FROM ${schema}.heartbeat_state ORDER BY region`);
  try {
    const env = { HOOK_SECRET: 'hb-regions-hook-secret', CRON_TOKEN: TOKEN };
    await Promise.all(['europe', 'america'].map((region) => startNode(region, config, schemas.urlFor(schema), [], { ...env, VIGIL_REGION: region }).then((n) => nodes.push(n))));
    const europe = nodes.find((n) => n.name === 'europe')!;
    const america = nodes.find((n) => n.name === 'america')!;
    // both nodes registered (each region's first node claims its 64 shards on start)
    await waitFor(async () => (await adminQuery(`SELECT 1 FROM ${schema}.cluster_nodes`)).length === 2, 30_000, 'two live nodes');

    // eight successes over 8 s (more than period + grace), all to america
    let lastPushAt = 0;
    for (let i = 0; i < 8; i++) {
      assert.equal(await push(america), 200);
      lastPushAt = Date.now();
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await waitFor(async () => (await states()).filter((s) => (s.last_seen_at ?? 0) >= lastPushAt - 1_000).length === 2, 10_000, 'both regions applied the last push');
    assert.deepEqual((await states()).map((s) => s.region), ['america', 'europe']);
    assert.deepEqual(await incidents(), [], 'europe never saw the target silent');

    // one fail, to europe only: both regions' owners apply it; the quorum opens one incident
    assert.equal(await push(europe, '/fail'), 200);
    await waitFor(async () => (await incidents()).length === 1, 10_000, 'the fail opens an incident');
    await waitFor(() => hooks.length === 1, 10_000, 'one alert');
    assert.equal(hooks[0]?.type, 'incident_opened');
    assert.match(hooks[0]?.detail ?? '', /^down in america, europe; up in none/);
    assert.equal(await push(america, '/0'), 200);
    await waitFor(async () => (await incidents())[0]?.closed_at !== null, 10_000, 'the success resolves it');
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual(hooks.map((h) => h.type), ['incident_opened', 'incident_resolved']);
    assert.equal((await incidents()).length, 1);
    assert.equal((await incidents())[0]?.error_kind, 'heartbeat_failed');
  } catch (err) {
    printOutputs(nodes);
    throw err;
  } finally {
    await killNodes(nodes);
    await receiver.close();
  }
});
