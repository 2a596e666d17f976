// Three real `vigil serve` processes on one Postgres share 40 targets (1 s interval) on a
// local server that logs every request. Printed and asserted: the shard split, checks per
// target in steady state, a node cut off from Postgres (its proxy stopped) going quiet
// before its shards move, kill -9 takeover time, and stored results vs requests served.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { shardOf } from '../../src/cluster/shard-leaser.js';
import { adminQuery, schemaPool, TEST_PG_URL } from '../helpers/postgres.js';
import { tcpProxy } from '../helpers/tcp-proxy.js';
import { tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { nodeIdOf, startNode, type Node } from './nodes.js';

const TARGETS = 40;
const LEASE_MS = 10_000;
const schemas = schemaPool('vigil_cluster');

test('three nodes share one fleet: even split, no double checks, fencing, kill -9 takeover, nothing lost', { timeout: 240_000 }, async () => {
  const log = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const id = (req.url ?? '/').slice(1);
    (log.get(id) ?? log.set(id, []).get(id))!.push(Date.now());
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ids = Array.from({ length: TARGETS }, (_, i) => `c${i}`);
  const lines = ['defaults:', '  allowPrivateTargets: true', 'targets:'];
  for (const id of ids) lines.push(`  - id: ${id}`, `    name: ${id}`, `    check: { url: "${url}/${id}" }`, '    interval: 1s');
  const config = writeConfig(tempDir('cluster'), `${lines.join('\n')}\n`);
  const schema = schemas.next();
  const direct = schemas.urlFor(schema);
  const pgPort = Number(new URL(TEST_PG_URL).port || 5432);
  const proxy = tcpProxy(await (await import('../helpers/tcp-proxy.js')).freePort(), pgPort);
  await proxy.start();
  const viaProxy = `postgres://postgres@127.0.0.1:${proxy.port}${new URL(TEST_PG_URL).pathname}?schema=${schema}`;
  const nodes: Node[] = [];
  const count = (id: string, from: number, to: number) => (log.get(id) ?? []).filter((t) => t >= from && t < to).length;
  const owners = async () => adminQuery<{ owner: string | null; shard: number }>(`SELECT owner, shard FROM ${schema}.shard_leases WHERE expires_at > now()`);
  try {
    nodes.push(await startNode('a', config, direct));
    nodes.push(await startNode('b', config, direct));
    nodes.push(await startNode('c', config, viaProxy));
    // 1. the split settles: three owners, each within ±20 % of 64/3
    await waitFor(async () => {
      const byOwner = new Map<string, number>();
      for (const r of await owners()) if (r.owner !== null) byOwner.set(r.owner, (byOwner.get(r.owner) ?? 0) + 1);
      const counts = [...byOwner.values()];
      return counts.length === 3 && counts.reduce((a, b) => a + b, 0) === 64 && counts.every((n) => Math.abs(n - 64 / 3) <= 0.2 * 64 / 3);
    }, 60_000, 'three nodes, 64 shards, each within ±20 % of fair');
    const split = new Map<string, number[]>();
    for (const r of await owners()) split.set(r.owner as string, [...(split.get(r.owner as string) ?? []), r.shard]);
    console.log(`# shard split: ${[...split.values()].map((s) => s.length).join(' / ')} (fair 21.3)`);
    // 2. steady state, 10 s: each target checked ~10 times, none twice per interval
    await new Promise((r) => setTimeout(r, 3_000));
    const s0 = Date.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const steady = ids.map((id) => count(id, s0, s0 + 10_000));
    console.log(`# steady 10 s: checks per target min ${Math.min(...steady)} max ${Math.max(...steady)} total ${steady.reduce((a, b) => a + b, 0)} (ideal ${TARGETS * 10})`);
    assert.ok(Math.min(...steady) >= 8, `a target was missed: ${steady}`);
    assert.ok(Math.max(...steady) <= 11, `a target was double-checked: ${steady}`);
    // 3. node c cut off from Postgres: it must go quiet before another node takes its shards
    const cNode = await nodeIdOf(schema, nodes[2]!);
    const cShards = new Set(split.get(cNode) ?? []);
    const cTargets = ids.filter((id) => cShards.has(shardOf(id)));
    const cutAt = Date.now();
    await proxy.stop();
    await new Promise((r) => setTimeout(r, LEASE_MS + 6_000));
    const gaps = cTargets.map((id) => {
      const times = (log.get(id) ?? []).filter((t) => t >= cutAt - 1_000 && t < cutAt + LEASE_MS + 6_000);
      let gap = 0;
      for (let i = 1; i < times.length; i += 1) gap = Math.max(gap, (times[i] as number) - (times[i - 1] as number));
      return { gap, n: times.length };
    });
    const cutDoubles = cTargets.map((id) => {
      const times = (log.get(id) ?? []).filter((t) => t >= cutAt && t < cutAt + LEASE_MS + 6_000).sort((a, b) => a - b);
      let close = 0;
      for (let i = 1; i < times.length; i += 1) if ((times[i] as number) - (times[i - 1] as number) < 500) close += 1;
      return close;
    });
    console.log(`# cut-off node c (${cTargets.length} targets): quiet gap before takeover min ${Math.min(...gaps.map((g) => g.gap))} ms max ${Math.max(...gaps.map((g) => g.gap))} ms; checks < 500 ms apart (overlap) ${cutDoubles.reduce((a, b) => a + b, 0)}`);
    assert.ok(cTargets.length > 0);
    assert.equal(cutDoubles.reduce((a, b) => a + b, 0), 0, 'no target checked by two nodes at once');
    assert.ok(gaps.every((g) => g.gap >= 1_000 && g.gap <= LEASE_MS + 4_000), JSON.stringify(gaps));
    // 4. kill -9 node b: survivors take over within the lease
    const bNode = await nodeIdOf(schema, nodes[1]!);
    const bShards = new Set((await owners()).filter((r) => r.owner === bNode).map((r) => r.shard));
    const bTargets = ids.filter((id) => bShards.has(shardOf(id)));
    const killedAt = Date.now();
    nodes[1]!.child.kill('SIGKILL');
    await waitFor(() => bTargets.every((id) => count(id, killedAt + 500, Infinity) > 0), 30_000, 'b\'s targets checked again');
    const takeover = Math.max(...bTargets.map((id) => Math.min(...(log.get(id) ?? []).filter((t) => t > killedAt + 500)) - killedAt));
    console.log(`# kill -9 node b (${bTargets.length} targets): all checked again ${takeover} ms after the kill (lease ${LEASE_MS} ms)`);
    assert.ok(takeover <= 15_000, `takeover took ${takeover} ms`);
    // 5. stop a cleanly; every result it checked is stored
    nodes[2]!.child.kill('SIGKILL');
    const aExit = new Promise((r) => nodes[0]!.child.on('exit', r));
    nodes[0]!.child.kill('SIGTERM');
    await aExit;
    const served = [...log.values()].reduce((a, t) => a + t.length, 0);
    const stored = Number((await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.results`))[0]?.n);
    console.log(`# requests served ${served}, results stored ${stored} (the difference: b's unflushed buffer at kill -9 and c's buffer while cut off)`);
    assert.ok(stored <= served && stored >= served - 6 * TARGETS, `${stored} stored of ${served}`);
  } finally {
    for (const n of nodes) n.child.kill('SIGKILL');
    await proxy.stop();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
