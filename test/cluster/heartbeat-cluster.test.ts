// Heartbeats on a cluster: three real `vigil serve` processes on one real Postgres (a schema of
// its own). Pushes go only to nodes that do NOT own the target; the owner must see them (no
// false heartbeat_missed, each push recorded once), a fail pushed to a non-owner opens exactly
// one incident with one alert, and a kill -9 of the owner hands the deadlines over intact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shardOf } from '../../src/cluster/shard-leaser.js';
import { adminQuery, schemaPool } from '../helpers/postgres.js';
import { tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { exited, nodeIdOf, startHookReceiver, startNode, type Node, printOutputs, killNodes } from './nodes.js';

const schemas = schemaPool('vigil_hb_cluster');
const TOKEN = 'cluster-push-token-AbCdEfGhIjKlMnOp';
type Row = { result: { status: string; errorKind: string | null; startedAt: number } };

test('heartbeats across nodes: pushes to non-owners reach the owner; one incident and one alert per fail and per missed period', { timeout: 240_000 }, async () => {
  const receiver = await startHookReceiver((e) => (String(e.type).startsWith('incident_') ? { type: String(e.type), ...(typeof e.errorKind === 'string' ? { errorKind: e.errorKind } : {}) } : null));
  const hooks = receiver.hooks;
  // period 4 s + grace 2 s: a push every second keeps it up with a wide margin
  const config = writeConfig(
    tempDir('hb-cluster'),
    receiver.alertsYaml() +
      'targets:\n  - id: cron\n    name: Cron job\n    check: { kind: heartbeat, period: 4s, grace: 2s, token: "${env:CRON_TOKEN}" }\n',
  );
  const schema = schemas.next();
  const url = schemas.urlFor(schema);
  const nodes: Node[] = [];
  const results = async (node: Node): Promise<Row[]> => ((await (await fetch(`${node.api}/api/v1/targets/cron/results?limit=1000`)).json()) as { items: Row[] }).items;
  const push = async (node: Node, path = ''): Promise<number> => (await fetch(`${node.api}/push/${TOKEN}${path}`, { method: 'POST' })).status;
  const incidents = async () => adminQuery<{ error_kind: string; closed_at: number | null }>(`SELECT error_kind, closed_at FROM ${schema}.incidents ORDER BY id`);
  try {
    const env = { HOOK_SECRET: 'hb-cluster-hook-secret', CRON_TOKEN: TOKEN };
    await Promise.all(['a', 'b', 'c'].map((name) => startNode(name, config, url, [], env).then((n) => nodes.push(n))));
    const ids = await Promise.all(nodes.map((n) => nodeIdOf(schema, n)));
    const ownerId = async () => (await adminQuery<{ owner: string | null }>(`SELECT owner FROM ${schema}.shard_leases WHERE shard = $1 AND expires_at > now()`, [shardOf('cron')]))[0]?.owner ?? null;
    await waitFor(async () => ids.includes((await ownerId()) ?? ''), 30_000, 'a node holds the shard of cron');
    const owner = nodes[ids.indexOf((await ownerId()) as string)]!;
    const others = nodes.filter((n) => n !== owner);

    // 1. six successes over 12 s (two whole periods + grace), every one to a non-owner (the
    // per-token rate limit is the cluster's: 10 in a burst, then one per 6 s, whichever node)
    let pushed = 0;
    for (let i = 0; i < 6; i++) {
      assert.equal(await push(others[i % 2]!), 200);
      pushed += 1;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    await waitFor(async () => (await results(owner)).length >= pushed, 10_000, 'every push recorded');
    let rows = await results(others[0]!);
    assert.deepEqual(rows.map((r) => r.result.status), Array(pushed).fill('up'), 'each push recorded once, no heartbeat_missed');
    assert.deepEqual(await incidents(), []);

    // 2. a fail to a non-owner: one incident, one alert; a success to the other resolves it
    assert.equal(await push(others[0]!, '/fail'), 200);
    await waitFor(async () => (await incidents()).length === 1, 10_000, 'the fail opens an incident');
    assert.equal((await incidents())[0]?.error_kind, 'heartbeat_failed');
    assert.equal(await push(others[1]!, '/0'), 200);
    await waitFor(async () => (await incidents())[0]?.closed_at !== null, 10_000, 'the success resolves it');
    await waitFor(() => hooks.length >= 2, 10_000, 'two alerts');
    assert.deepEqual(hooks, [{ type: 'incident_opened', errorKind: 'heartbeat_failed' }, { type: 'incident_resolved' }]);

    // 3. the owner is killed while the job keeps pushing to a survivor: the new owner takes
    // the deadlines from the store and the waiting pushes with them (no false missed period)
    const pushedBeforeKill = pushed;
    owner.child.kill('SIGKILL');
    await exited(owner);
    const killedAt = Date.now();
    const survivors = others;
    const survivorIds = survivors.map((n) => ids[nodes.indexOf(n)]);
    // every 3.5 s (within the 4 s period; the cluster's per-token bucket still holds ≥ 4 from
    // its burst, and six pushes at 3.5 s spend ≈ 2.5 more than its refill of one per 6 s)
    let lastPushAt = 0;
    for (let i = 0; Date.now() - killedAt < 20_000; i++) {
      assert.equal(await push(survivors[i % 2]!), 200);
      lastPushAt = Date.now();
      pushed += 1;
      await new Promise((r) => setTimeout(r, 3_500));
    }
    assert.ok(survivorIds.includes((await ownerId()) ?? ''), 'a survivor holds the shard 20 s after the kill');
    await waitFor(async () => (await results(survivors[0]!)).filter((r) => r.result.startedAt > killedAt).length >= pushed - pushedBeforeKill, 15_000, 'the pushes after the kill recorded');
    rows = await results(survivors[0]!);
    // (the job's silence after its last push is a true miss from lastPushAt + 6 s on)
    const early = rows.filter((r) => r.result.errorKind === 'heartbeat_missed' && r.result.startedAt < lastPushAt + 6_000 - 250);
    assert.deepEqual(early, [], 'no false heartbeat_missed across the takeover');
    const upsAfterKill = rows.filter((r) => r.result.status === 'up' && r.result.startedAt > killedAt).length;
    assert.equal(upsAfterKill, pushed - pushedBeforeKill, 'every push after the kill recorded once by the new owner');
    // before the kill: the six of step 1 and the /0 of step 2, unless the owner's last
    // unflushed batch (≤ 0.5 s of results, docs/cluster.md) died with it
    const upsBeforeKill = rows.filter((r) => r.result.status === 'up' && r.result.startedAt <= killedAt).length;
    assert.ok(upsBeforeKill === 7 || upsBeforeKill === 6, `${upsBeforeKill} successes before the kill`);

    // 4. the job stops: one missed period opens one incident, one alert, however many periods pass
    await waitFor(async () => (await incidents()).length === 2, 15_000, 'silence opens an incident');
    assert.equal((await incidents())[1]?.error_kind, 'heartbeat_missed');
    await new Promise((r) => setTimeout(r, 9_000));
    rows = await results(survivors[0]!);
    const missed = rows.filter((r) => r.result.errorKind === 'heartbeat_missed').length;
    assert.ok(missed >= 2 && missed <= 4, `a missed result once a period while silent (${missed} in ≈ 11 s at 4 s)`);
    assert.equal((await incidents()).length, 2, 'still one incident for the silence');
    assert.deepEqual(hooks.map((h) => h.type), ['incident_opened', 'incident_resolved', 'incident_opened']);
    console.log(`# ${pushed} pushes to non-owners, ${rows.length} results, ${missed} missed periods after the job stopped; alerts ${hooks.map((h) => h.type).join(', ')} (${receiver.repeated()} delivered again after the kill -9, same delivery id)`);
  } catch (err) {
    printOutputs(nodes);
    throw err;
  } finally {
    await killNodes(nodes);
    await receiver.close();
  }
});
