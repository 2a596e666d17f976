// `vigil cluster status` against real nodes on a real Postgres: two regions (two nodes in eu,
// one in us), each region's 64 shards split among its own nodes; a region whose only node is
// killed shows up as a problem (exit 1); bad flags and an unreachable database exit 2 with
// one line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterStatus } from '../../src/cluster/cluster-status.js';
import { schemaPool, TEST_PG_URL } from '../helpers/postgres.js';
import { freePort } from '../helpers/tcp-proxy.js';
import { runVigil } from '../cli/run-vigil.js';
import { startTargetServer, targetsYaml, tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { exited, nodeIdOf, startNode, type Node, killNodes } from './nodes.js';

const schemas = schemaPool('vigil_status');

test('cluster status: regions, nodes, shards, lease expiries; a region without a live node is reported', { timeout: 180_000 }, async () => {
  const target = await startTargetServer();
  const config = writeConfig(tempDir('status'), targetsYaml(6, target.url, 'interval: 2s'));
  const schema = schemas.next();
  const url = schemas.urlFor(schema);
  const nodes: Node[] = [];
  const status = async () => {
    const run = await runVigil(['cluster', 'status', '--store', url, '--json']);
    assert.equal(run.stderr, '');
    return { code: run.code, status: JSON.parse(run.stdout) as ClusterStatus };
  };
  try {
    await Promise.all([
      startNode('eu1', config, url, ['--region', 'eu']).then((n) => nodes.push(n)),
      startNode('eu2', config, url, ['--region', 'eu']).then((n) => nodes.push(n)),
      startNode('us1', config, url, [], { VIGIL_REGION: 'us' }).then((n) => nodes.push(n)),
    ]);
    const byName = (name: string) => nodes.find((n) => n.name === name)!;
    // each region's shards end up split among its own nodes
    let last: Awaited<ReturnType<typeof status>> | null = null;
    await waitFor(async () => {
      last = await status();
      const eu = last.status.nodes.filter((n) => n.region === 'eu');
      return last.code === 0 && eu.length === 2 && eu.every((n) => n.shards === 32);
    }, 60_000, 'eu split 32 / 32 and us holding 64').catch((err: unknown) => {
      console.log(JSON.stringify(last, null, 1));
      throw err;
    });
    const ok = last!.status;
    assert.deepEqual(ok.regions, [
      { name: 'eu', liveNodes: 2, nodes: 2, shardsHeld: 64 },
      { name: 'us', liveNodes: 1, nodes: 1, shardsHeld: 64 },
    ]);
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.shardsPerRegion, 64);
    const us = ok.nodes.find((n) => n.region === 'us')!;
    assert.equal(us.id, await nodeIdOf(schema, byName('us1')));
    assert.equal(us.shards, 64);
    assert.equal(us.live, true);
    assert.equal(us.apiUrl, byName('us1').api);
    assert.ok(us.heartbeatAgeMs >= 0 && us.heartbeatAgeMs < ok.leaseMs, String(us.heartbeatAgeMs));
    assert.ok(us.lagMs !== null && us.lagMs >= 0);
    assert.ok(us.leaseExpiresInMs !== null && us.leaseExpiresInMs.first > 0 && us.leaseExpiresInMs.last <= ok.leaseMs, JSON.stringify(us.leaseExpiresInMs));
    console.log(`# status: ${ok.nodes.map((n) => `${n.region}/${n.id} ${n.shards} shards, heartbeat ${n.heartbeatAgeMs} ms ago, lag ${n.lagMs} ms`).join('; ')}`);
    // the human form says the same
    const human = await runVigil(['cluster', 'status', '--store', url]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^ {2}eu: 2 live of 2 nodes, 64\/64 shards held$/m);
    assert.match(human.stdout, /^ {2}us: 1 live of 1 nodes, 64\/64 shards held$/m);
    assert.match(human.stdout, new RegExp(`^  ${us.id}\\s+us\\s+live\\s+.*\\s64\\s+\\S`, 'm'));
    assert.match(human.stdout, /^ok: every region has a live node/m);
    // the only node of us dies: after its heartbeat ages past the lease, us is a problem
    const killedAt = Date.now();
    byName('us1').child.kill('SIGKILL');
    await exited(byName('us1'));
    await waitFor(async () => (last = await status()).code === 1, 30_000, 'status exit 1 once us has no live node');
    console.log(`# us reported without a live node ${Date.now() - killedAt} ms after kill -9`);
    const bad = last!.status;
    assert.deepEqual(bad.problems, ['region us: no live node (its targets are not checked from there)']);
    assert.deepEqual(bad.regions.find((r) => r.name === 'us'), { name: 'us', liveNodes: 0, nodes: 1, shardsHeld: 0 });
    assert.equal(bad.nodes.find((n) => n.region === 'us')?.live, false);
    const humanBad = await runVigil(['cluster', 'status', '--store', url]);
    assert.equal(humanBad.code, 1);
    assert.match(humanBad.stdout, /^problems:\n {2}region us: no live node/m);
    assert.match(humanBad.stdout, /\sus\s+gone\s/);
    // a clean stop removes the node's row and frees its shards at once
    const eu2 = byName('eu2');
    eu2.child.kill('SIGTERM');
    await exited(eu2);
    const after = (await status()).status;
    assert.deepEqual(after.nodes.filter((n) => n.region === 'eu').map((n) => n.id), [await nodeIdOf(schema, byName('eu1'))]);
  } finally {
    await killNodes(nodes);
    await target.close();
  }
});

test('cluster status: bad flags, a bad or unreachable store, a schema without cluster tables: exit 2, one line', { timeout: 60_000 }, async () => {
  const dead = `postgres://postgres@127.0.0.1:${await freePort()}/test`;
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['cluster'], {}, /^vigil cluster: expected a command: status/],
    [['cluster', 'stats'], {}, /^vigil cluster: "stats": unknown command/],
    [['cluster', 'status'], { VIGIL_STORE: '' }, /^vigil cluster: --store: expected a postgres:\/\/ URL \(or set VIGIL_STORE\)$/],
    [['cluster', 'status', '--store'], {}, /^vigil cluster: --store: expected a value$/],
    [['cluster', 'status', '--store', 'mysql://x/y'], {}, /^vigil cluster: --store: expected a postgres:\/\/ or postgresql:\/\/ URL, got scheme "mysql"$/],
    [['cluster', 'status', '--json=yes', '--store', TEST_PG_URL], {}, /^vigil cluster: --json: unknown option|^vigil cluster: --json/],
    [['cluster', 'status', '--store', `postgres://u:${'p'.repeat(100_000)}@127.0.0.1:1/x`], {}, /^vigil cluster: cannot read the cluster from u@127\.0\.0\.1:1\/x \(ECONNREFUSED/],
    [['cluster', 'status'], { VIGIL_STORE: 'postgres://nobody:hunter2secret@127.0.0.1:1/x' }, /^vigil cluster: cannot read the cluster from nobody@127\.0\.0\.1:1\/x \(ECONNREFUSED/],
    [['cluster', 'status', '--store', dead], {}, /^vigil cluster: cannot read the cluster from postgres@127\.0\.0\.1:\d+\/test \(ECONNREFUSED/],
    [['cluster', 'status', '--store', `${TEST_PG_URL}?schema=vigil_status_no_such_schema`], {}, /schema vigil_status_no_such_schema: the store has no cluster tables/],
    [['cluster', 'status', 'extra', '--store', TEST_PG_URL], {}, /^vigil cluster: "extra": unexpected argument$/],
  ];
  for (const [args, env, expected] of cases) {
    const run = await runVigil(args, { VIGIL_STORE: '', ...env });
    assert.equal(run.code, 2, `${args.join(' ').slice(0, 80)}: ${run.stderr}`);
    assert.match(run.stderr.trimEnd(), expected, args.join(' ').slice(0, 80));
    assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr.slice(0, 300)}`);
    assert.doesNotMatch(run.stderr, /hunter2secret|ppppp|\n\s+at /);
    assert.equal(run.stdout, '');
  }
  const help = await runVigil(['cluster', 'status', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: vigil cluster status/);
});
