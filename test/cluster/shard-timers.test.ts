// A node keeps timers only for the targets of the shards it holds (docs/cluster.md,
// "Scheduling"): two real `vigil serve` processes on one Postgres split 64 shards; each one's
// `vigil_targets_armed` is exactly the number of targets in its shards while `vigil_targets`
// is the whole fleet. After `kill -9` of one, the survivor arms every target and checks the
// dead node's targets.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { shardOf } from '../../src/cluster/shard-leaser.js';
import { adminQuery, schemaPool } from '../helpers/postgres.js';
import { tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { exited, nodeIdOf, startNode, type Node, printOutputs, killNodes } from './nodes.js';

const schemas = schemaPool('vigil_shard_timers');
const TARGETS = 40;

async function gauge(node: Node, name: string): Promise<number> {
  const text = await (await fetch(`${node.api}/metrics`)).text();
  const line = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  if (line === null) throw new Error(`${node.name}: no ${name} in /metrics`);
  return Number(line[1]);
}

test('each node arms only the targets of its shards; the survivor of a kill -9 arms and checks the rest', { timeout: 180_000 }, async () => {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ids = Array.from({ length: TARGETS }, (_, i) => `s${i}`);
  const config = writeConfig(
    tempDir('shard-timers'),
    `defaults:\n  interval: 1s\n  allowPrivateTargets: true\ntargets:\n${ids.map((id) => `  - { id: ${id}, name: ${id}, check: { url: "${base}/${id}" } }\n`).join('')}`,
  );
  const schema = schemas.next();
  const nodes: Node[] = [];
  try {
    await Promise.all(['a', 'b'].map((name) => startNode(name, config, schemas.urlFor(schema)).then((n) => nodes.push(n))));
    const nodeIds = await Promise.all(nodes.map((n) => nodeIdOf(schema, n)));
    const held = async (nodeId: string): Promise<Set<number>> =>
      new Set((await adminQuery<{ shard: number }>(`SELECT shard FROM ${schema}.shard_leases WHERE owner = $1 AND expires_at > now()`, [nodeId])).map((r) => r.shard));
    const inShards = (shards: Set<number>) => ids.filter((id) => shards.has(shardOf(id))).length;
    await waitFor(async () => (await held(nodeIds[0]!)).size === 32 && (await held(nodeIds[1]!)).size === 32, 30_000, 'a 32 / 32 split');
    // the tick that moved the last shard has told both daemons (armed follows the held set)
    let armed: number[] = [];
    let expected: number[] = [];
    await waitFor(async () => {
      armed = await Promise.all(nodes.map((n) => gauge(n, 'vigil_targets_armed')));
      expected = await Promise.all(nodeIds.map(async (id) => inShards(await held(id))));
      return armed[0] === expected[0] && armed[1] === expected[1];
    }, 10_000, 'each node armed exactly the targets of its shards');
    console.log(`# split 32 / 32: armed ${armed.join(' / ')} of ${TARGETS} (targets in each node's shards: ${expected.join(' / ')})`);
    assert.equal(armed[0]! + armed[1]!, TARGETS);
    assert.ok(armed[0]! > 0 && armed[1]! > 0, `both nodes check some targets: ${armed.join(' / ')}`);
    for (const n of nodes) assert.equal(await gauge(n, 'vigil_targets'), TARGETS, `${n.name} knows the whole fleet`);

    const [survivor, dead] = nodes as [Node, Node];
    const deadShards = await held(nodeIds[1]!);
    const orphaned = ids.filter((id) => deadShards.has(shardOf(id)));
    dead.child.kill('SIGKILL');
    await exited(dead);
    await waitFor(async () => (await held(nodeIds[0]!)).size === 64, 30_000, 'the survivor holds all 64 shards');
    await waitFor(async () => (await gauge(survivor, 'vigil_targets_armed')) === TARGETS, 10_000, 'the survivor armed every target');
    const before = new Map(orphaned.map((id) => [id, hits.get(`/${id}`) ?? 0]));
    await waitFor(() => orphaned.every((id) => (hits.get(`/${id}`) ?? 0) >= (before.get(id) ?? 0) + 2), 20_000, 'the dead node\'s targets checked twice by the survivor');
    console.log(`# after kill -9: survivor armed ${TARGETS}; the ${orphaned.length} targets of the dead node's shards are checked again`);
  } catch (err) {
    printOutputs(nodes);
    throw err;
  } finally {
    await killNodes(nodes);
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    await schemas.drop();
  }
});
