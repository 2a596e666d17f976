// A node takes over a target that is down: the incident the dead node opened continues; it is
// not opened or alerted a second time, and the survivor resolves it (one alert each way).
// Two real `vigil serve` processes on one Postgres, a real webhook receiver.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shardOf } from '../../src/cluster/shard-leaser.js';
import { adminQuery, schemaPool } from '../helpers/postgres.js';
import { startTargetServer, tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { exited, nodeIdOf, startHookReceiver, startNode, type Node, printOutputs, killNodes } from './nodes.js';

const schemas = schemaPool('vigil_takeover');

test('takeover of a target that is down: one incident, one opened alert, one resolved alert across nodes', { timeout: 180_000 }, async () => {
  const target = await startTargetServer();
  const receiver = await startHookReceiver((e) => ({ type: String(e.type) }));
  const hooks = receiver.hooks;
  const config = writeConfig(
    tempDir('takeover'),
    receiver.alertsYaml() +
      `targets:\n  - id: flappy\n    name: Flappy\n    check: { url: "${target.url}/", expectStatus: "200" }\n    interval: 1s\n    confirmations: 2\n    allowPrivateTargets: true\n`,
  );
  const schema = schemas.next();
  const url = schemas.urlFor(schema);
  const nodes: Node[] = [];
  const of = (type: string) => hooks.filter((h) => h.type === type);
  try {
    // both nodes up (and both past their start-up restore of open incidents) before the target fails
    const env = { HOOK_SECRET: 'takeover-test-secret' };
    await Promise.all(['a', 'b'].map((name) => startNode(name, config, url, [], env).then((n) => nodes.push(n))));
    const shard = shardOf('flappy');
    const ownerOf = async () => (await adminQuery<{ owner: string | null }>(`SELECT owner FROM ${schema}.shard_leases WHERE shard = $1 AND expires_at > now()`, [shard]))[0]?.owner ?? null;
    const ids = await Promise.all(nodes.map((n) => nodeIdOf(schema, n)));
    await waitFor(async () => {
      const owner = await ownerOf();
      return owner !== null && ids.includes(owner);
    }, 30_000, 'a node holds the target\'s shard');
    target.status = 500;
    await waitFor(() => of('incident_opened').length === 1, 20_000, 'incident_opened from the owner');
    const owner = await ownerOf();
    const dead = nodes[ids.indexOf(owner as string)]!;
    const survivor = nodes[1 - ids.indexOf(owner as string)]!;
    const killedAt = Date.now();
    dead.child.kill('SIGKILL');
    await exited(dead);
    // the survivor holds the shard and checks the target while it is still down
    const survivorId = ids[nodes.indexOf(survivor)];
    await waitFor(async () => (await ownerOf()) === survivorId, 30_000, 'the survivor takes the shard');
    const takenAt = Date.now();
    const served = target.received;
    await waitFor(() => target.received >= served + 4, 20_000, 'the survivor checks the target (still down) 4 times');
    console.log(`# owner killed; survivor held the shard ${takenAt - killedAt} ms later; ${target.received - served} checks of the down target since`);
    assert.equal(of('incident_opened').length, 1, `opened alerted again after takeover: ${JSON.stringify(hooks)}`);
    const open = await adminQuery<{ n: string; failures: number }>(`SELECT count(*) AS n, max(failure_count) AS failures FROM ${schema}.incidents`);
    assert.equal(Number(open[0]?.n), 1, 'one incident row');
    assert.ok((open[0]?.failures ?? 0) >= 2, 'the survivor\'s failures are counted on the same incident');
    assert.match(survivor.output.join(''), /cluster: node \S+ holds \d+ of 64 shards/);
    // the survivor resolves the incident the dead node opened
    target.status = 200;
    await waitFor(() => of('incident_resolved').length === 1, 20_000, 'incident_resolved from the survivor');
    await waitFor(async () => Number((await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.incidents WHERE closed_at IS NOT NULL`))[0]?.n) === 1, 10_000, 'incident closed');
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual(hooks.map((h) => h.type), ['incident_opened', 'incident_resolved']);
    assert.equal(Number((await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.incidents`))[0]?.n), 1);
  } catch (err) {
    printOutputs(nodes);
    throw err;
  } finally {
    await killNodes(nodes);
    await target.close();
    await receiver.close();
  }
});
