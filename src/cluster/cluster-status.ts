/**
 * What `vigil cluster status` shows (docs/cluster.md): every node that ever heartbeat (live or
 * not), each region's live nodes and lease coverage, and the problems that mean part of the
 * fleet is not checked. Read from the shared store only (cluster_nodes, shard_leases), in one
 * snapshot transaction, against the database's clock. `formatClusterStatus` is pure.
 */
import type pg from 'pg';
import { DEFAULT_LEASE_MS, SHARD_COUNT } from './shard-leaser.js';

interface ClusterNodeStatus {
  id: string;
  region: string;
  apiUrl: string | null;
  /** heartbeat within the lease period */
  live: boolean;
  startedAt: string;
  heartbeatAt: string;
  heartbeatAgeMs: number;
  /** the node's event-loop lag at its last heartbeat (null: not reported) */
  lagMs: number | null;
  /** shards whose lease it holds now */
  shards: number;
  /** ms until the first and the last of those leases expire (null: it holds none) */
  leaseExpiresInMs: { first: number; last: number } | null;
}

interface ClusterRegionStatus {
  name: string;
  liveNodes: number;
  nodes: number;
  /** of SHARD_COUNT: shards with a lease valid now */
  shardsHeld: number;
}

export interface ClusterStatus {
  /** the database's clock when read (ISO) */
  at: string;
  leaseMs: number;
  shardsPerRegion: number;
  regions: ClusterRegionStatus[];
  nodes: ClusterNodeStatus[];
  /** why part of the fleet is not checked now; empty = every region covered */
  problems: string[];
}

interface NodeRow {
  node_id: string;
  region: string;
  api_url: string | null;
  started_at: Date;
  heartbeat_at: Date;
  age_ms: number;
  lag_ms: number | null;
  live: boolean;
  shards: number;
  first_ms: number | null;
  last_ms: number | null;
}

/** The store's schema has no cluster tables: no `vigil serve` has used it. */
export class ClusterSchemaMissingError extends Error {
  override readonly name = 'ClusterSchemaMissingError';
}

export async function readClusterStatus(client: pg.ClientBase, leaseMs = DEFAULT_LEASE_MS): Promise<ClusterStatus> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const { rows: tables } = await client.query<{ nodes: string | null; leases: string | null }>(`SELECT to_regclass('cluster_nodes')::text AS nodes, to_regclass('shard_leases')::text AS leases`);
    if (tables[0]?.nodes == null || tables[0].leases == null) throw new ClusterSchemaMissingError('the store has no cluster tables (no vigil serve has run with it, or it is not a Vigil schema)');
    const lease = `${leaseMs} milliseconds`;
    const at = (await client.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
    const { rows } = await client.query<NodeRow>(
      `SELECT n.node_id, n.region, n.api_url, n.started_at, n.heartbeat_at, n.lag_ms,
              extract(epoch FROM now() - n.heartbeat_at) * 1000 AS age_ms,
              n.heartbeat_at > now() - $1::interval AS live,
              count(l.shard)::int AS shards,
              extract(epoch FROM min(l.expires_at) - now()) * 1000 AS first_ms,
              extract(epoch FROM max(l.expires_at) - now()) * 1000 AS last_ms
       FROM cluster_nodes n LEFT JOIN shard_leases l ON l.owner = n.node_id AND l.region = n.region AND l.expires_at > now()
       GROUP BY n.node_id ORDER BY n.region, n.node_id`,
      [lease],
    );
    const { rows: held } = await client.query<{ region: string; held: number }>(`SELECT region, count(*) FILTER (WHERE owner IS NOT NULL AND expires_at > now())::int AS held FROM shard_leases GROUP BY region ORDER BY region`);
    await client.query('COMMIT');
    const nodes: ClusterNodeStatus[] = rows.map((r) => ({
      id: r.node_id,
      region: r.region,
      apiUrl: r.api_url,
      live: r.live,
      startedAt: r.started_at.toISOString(),
      heartbeatAt: r.heartbeat_at.toISOString(),
      heartbeatAgeMs: Math.round(Number(r.age_ms)),
      lagMs: r.lag_ms === null ? null : Math.round(Number(r.lag_ms) * 10) / 10,
      shards: r.shards,
      leaseExpiresInMs: r.first_ms === null || r.last_ms === null ? null : { first: Math.round(Number(r.first_ms)), last: Math.round(Number(r.last_ms)) },
    }));
    // a region is known by its nodes' rows (a clean stop deletes its row; a dead node's row
    // stays for a day, so a region whose nodes all died is reported, not forgotten)
    const names = [...new Set(nodes.map((n) => n.region))].sort();
    const regions = names.map((name) => ({
      name,
      liveNodes: nodes.filter((n) => n.region === name && n.live).length,
      nodes: nodes.filter((n) => n.region === name).length,
      shardsHeld: held.find((h) => h.region === name)?.held ?? 0,
    }));
    const problems: string[] = [];
    if (regions.length === 0) problems.push('no node has joined the cluster');
    for (const r of regions) {
      if (r.liveNodes === 0) problems.push(`region ${r.name}: no live node (its targets are not checked from there)`);
      else if (r.shardsHeld < SHARD_COUNT) problems.push(`region ${r.name}: ${SHARD_COUNT - r.shardsHeld} of ${SHARD_COUNT} shards held by no node`);
    }
    return { at: at.toISOString(), leaseMs, shardsPerRegion: SHARD_COUNT, regions, nodes, problems };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

function ms(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(0)} s` : n >= 1_000 ? `${(n / 1000).toFixed(1)} s` : `${n} ms`;
}

/** The human form: regions, then one line per node, then the problems. */
export function formatClusterStatus(s: ClusterStatus): string {
  const lines = [`cluster at ${s.at} (lease ${ms(s.leaseMs)}, ${s.shardsPerRegion} shards per region)`, '', 'regions:'];
  for (const r of s.regions) lines.push(`  ${r.name}: ${r.liveNodes} live of ${r.nodes} nodes, ${r.shardsHeld}/${s.shardsPerRegion} shards held`);
  if (s.regions.length === 0) lines.push('  (none)');
  lines.push('', 'nodes:');
  const width = Math.max(4, ...s.nodes.map((n) => n.id.length));
  const rw = Math.max(6, ...s.nodes.map((n) => n.region.length));
  lines.push(`  ${'node'.padEnd(width)}  ${'region'.padEnd(rw)}  state  heartbeat  lag       shards  leases expire in`);
  for (const n of s.nodes) {
    const leases = n.leaseExpiresInMs === null ? '-' : `${ms(n.leaseExpiresInMs.first)} .. ${ms(n.leaseExpiresInMs.last)}`;
    const lag = n.lagMs === null ? '-' : `${n.lagMs} ms`;
    lines.push(`  ${n.id.padEnd(width)}  ${n.region.padEnd(rw)}  ${(n.live ? 'live' : 'gone').padEnd(5)}  ${`${ms(n.heartbeatAgeMs)} ago`.padEnd(9)}  ${lag.padEnd(8)}  ${String(n.shards).padStart(6)}  ${leases}`);
  }
  if (s.nodes.length === 0) lines.push('  (none)');
  lines.push('', s.problems.length === 0 ? 'ok: every region has a live node and all its shards are held' : `problems:\n${s.problems.map((p) => `  ${p}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}
