/**
 * Incidents decided by a quorum of regions (docs/cluster.md). Each region's checking node runs
 * the usual incident tracker on its own results; its events are that REGION's verdict (down
 * after the confirmations, up again), written to `region_verdicts`. In the same transaction,
 * under a per-target advisory lock, the target's incident is decided:
 *
 *   observed = the target's regions (or every region with a live node) that have a live node
 *   down     = observed regions whose verdict is down
 *   open the incident when down ≥ required(quorum, observed); close it when below
 *
 * A region without a live node is neither up nor down: it is left out of `observed` and named
 * in the incident's detail ("no live node: …"). The incident and its alert say which regions
 * saw what. Only the write that opens (closes) the incident returns the event to alert, so
 * each transition is alerted once across all nodes.
 */
import type pg from 'pg';
import type { ErrorKind } from '../domain/error-kind.js';
import type { IncidentEvent } from '../incidents/incident-events.js';
import { IncidentTracker } from '../incidents/incident-tracker.js';
import { recordIncidentEvent } from '../incidents/record-incident-event.js';
import type { Store } from '../storage/store.js';
import { inTransaction } from '../storage/postgres/pg-connection.js';
import { lockKeySql } from '../storage/postgres/pg-schema.js';
import type { IncidentPort } from '../daemon/incident-port.js';
import { trackerFeed } from '../daemon/incident-adapter.js';
import { incidentRegionsOf, quorumIncidentDetail, requiredRegions, type Quorum } from '../domain/region.js';
import { regionsColumn } from '../storage/stored-rows.js';

interface VerdictRow {
  region: string;
  down: boolean;
  since: number;
  error_kind: string | null;
  detail: string | null;
  failures: number;
  probe_degraded: boolean;
}

interface IncidentRow {
  id: number;
  opened_at: number;
}

export interface RegionalOptions {
  pool: pg.Pool;
  store: Store;
  region: string;
  leaseMs: number;
  /** the target's regions (null = every region with a live node) and quorum; undefined = unknown target */
  placementOf: (targetId: string) => { regions: readonly string[] | null; quorum: Quorum } | undefined;
  nowMs: () => number;
}

export function createRegionalIncidentPort(options: RegionalOptions): IncidentPort {
  const { pool, store, region, leaseMs } = options;
  const tracker = new IncidentTracker();

  /** Decides the incident of one target inside the caller's transaction; returns the event to alert. */
  async function decide(client: pg.PoolClient, targetId: string, at: number): Promise<IncidentEvent | null> {
    const placement = options.placementOf(targetId);
    if (placement === undefined) return null;
    const live = (await client.query<{ region: string }>(`SELECT DISTINCT region FROM cluster_nodes WHERE heartbeat_at > now() - $1::interval`, [`${leaseMs} milliseconds`])).rows.map((r) => r.region);
    const known = (await client.query<{ region: string }>('SELECT DISTINCT region FROM cluster_nodes')).rows.map((r) => r.region);
    const expected = placement.regions ?? [...new Set([...known])].sort();
    // a region the target no longer names is not checked from any more: its last view is
    // dropped, so it cannot count again, stale, if the region is named once more
    if (placement.regions !== null) await client.query('DELETE FROM region_verdicts WHERE target_id = $1 AND NOT (region = ANY($2::text[]))', [targetId, placement.regions]);
    const observed = expected.filter((r) => live.includes(r)).sort();
    const unobserved = expected.filter((r) => !live.includes(r)).sort();
    const verdicts = (await client.query<VerdictRow>('SELECT region, down, since, error_kind, detail, failures, probe_degraded FROM region_verdicts WHERE target_id = $1', [targetId])).rows;
    const downRows = verdicts.filter((v) => v.down && observed.includes(v.region)).sort((a, b) => Number(a.since) - Number(b.since));
    const required = requiredRegions(placement.quorum, observed.length);
    const quorate = downRows.length >= required;
    const regions = incidentRegionsOf(placement.quorum, observed, downRows.map((v) => v.region), unobserved);
    const open = (await client.query<IncidentRow>('SELECT id, opened_at FROM incidents WHERE target_id = $1 AND closed_at IS NULL', [targetId])).rows[0];
    const worst = downRows[downRows.length - 1];
    const errorKind = (worst?.error_kind ?? null) as ErrorKind | null;
    const detail = quorumIncidentDetail(regions, worst?.detail ? { region: worst.region, detail: worst.detail } : null);
    const regionsJson = regionsColumn(regions);
    if (quorate && open === undefined) {
      // opened when the required-th region confirmed it down; the probe may be the cause
      // only if every region that saw it down concluded so while its probe was degraded
      const openedAt = Number(downRows[required - 1]!.since);
      const failures = downRows.reduce((n, v) => n + v.failures, 0);
      const probeDegraded = downRows.every((v) => v.probe_degraded);
      await client.query(
        `INSERT INTO incidents (target_id, opened_at, closed_at, error_kind, last_error_kind, last_detail, failure_count, probe_degraded, regions, updated_at)
         VALUES ($1, $2, NULL, $3, $3, $4, $5, $6, $7::jsonb, $2)`,
        [targetId, openedAt, errorKind, detail, failures, probeDegraded, regionsJson],
      );
      return { type: 'opened', targetId, at: openedAt, errorKind, detail, failureCount: failures, probeDegraded, regions };
    }
    if (!quorate && open !== undefined && observed.length > 0) {
      await client.query('UPDATE incidents SET closed_at = $2, last_detail = $3, regions = $4::jsonb, updated_at = greatest(updated_at, $2) WHERE id = $1 AND closed_at IS NULL', [open.id, at, detail, regionsJson]);
      return { type: 'resolved', targetId, at, durationMs: Math.max(0, at - Number(open.opened_at)), failuresAdded: 0, lastErrorKind: null, lastDetail: detail, reason: 'recovered', regions };
    }
    if (open !== undefined) {
      await client.query('UPDATE incidents SET last_detail = $2, regions = $5::jsonb, last_error_kind = coalesce($3, last_error_kind), updated_at = greatest(updated_at, $4) WHERE id = $1', [open.id, detail, errorKind, at, regionsJson]);
    }
    return null;
  }

  async function withTargetLock<T>(targetId: string, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(${lockKeySql('quorum')}, hashtext($1))`, [targetId]);
      return body(client);
    });
  }

  return {
    ...trackerFeed(tracker),
    async record(event) {
      if (event.type === 'resolved' && event.reason === 'target_removed') {
        // a deleted target's incident closes whatever the regions say
        await pool.query('DELETE FROM region_verdicts WHERE target_id = $1', [event.targetId]);
        return (await recordIncidentEvent(store, event)).fresh ? event : null;
      }
      return withTargetLock(event.targetId, async (client) => {
        const now = Math.floor(options.nowMs());
        if (event.type === 'opened') {
          await client.query(
            `INSERT INTO region_verdicts (target_id, region, down, since, error_kind, detail, failures, probe_degraded, updated_at) VALUES ($1, $2, true, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (target_id, region) DO UPDATE SET down = true, since = excluded.since, error_kind = excluded.error_kind, detail = excluded.detail, failures = excluded.failures,
               probe_degraded = excluded.probe_degraded, updated_at = excluded.updated_at`,
            [event.targetId, region, Math.floor(event.at), event.errorKind, event.detail, event.failureCount, event.probeDegraded, now],
          );
        } else if (event.type === 'updated') {
          await client.query(
            'UPDATE region_verdicts SET error_kind = $3, detail = $4, failures = failures + $5, updated_at = $6 WHERE target_id = $1 AND region = $2',
            [event.targetId, region, event.errorKind, event.detail, event.failuresAdded, now],
          );
          await client.query('UPDATE incidents SET failure_count = failure_count + $2 WHERE target_id = $1 AND closed_at IS NULL', [event.targetId, event.failuresAdded]);
        } else {
          await client.query(
            `INSERT INTO region_verdicts (target_id, region, down, since, error_kind, detail, failures, probe_degraded, updated_at) VALUES ($1, $2, false, $3, NULL, NULL, 0, false, $4)
             ON CONFLICT (target_id, region) DO UPDATE SET down = false, since = excluded.since, error_kind = NULL, detail = NULL, failures = 0, probe_degraded = false, updated_at = excluded.updated_at`,
            [event.targetId, region, Math.floor(event.at), now],
          );
        }
        return decide(client, event.targetId, Math.floor(event.at));
      });
    },
    reevaluate(targetId) {
      return withTargetLock(targetId, (client) => decide(client, targetId, Math.floor(options.nowMs())));
    },
    async restoreOpen() {
      // this node's tracker is its region's view: it resumes from its region's verdicts
      const { rows } = await pool.query<{ target_id: string; since: number; error_kind: string | null; detail: string | null }>('SELECT target_id, since, error_kind, detail FROM region_verdicts WHERE region = $1 AND down', [region]);
      for (const r of rows) tracker.restoreOpen(r.target_id, { openedAt: Number(r.since), lastErrorKind: r.error_kind as ErrorKind | null, lastDetail: r.detail });
    },
    async resync(targetIds) {
      if (targetIds.size === 0) return;
      const { rows } = await pool.query<{ target_id: string; since: number; error_kind: string | null; detail: string | null }>(
        'SELECT target_id, since, error_kind, detail FROM region_verdicts WHERE region = $1 AND down AND target_id = ANY($2::text[])',
        [region, [...targetIds]],
      );
      for (const id of targetIds) tracker.forget(id);
      for (const r of rows) tracker.restoreOpen(r.target_id, { openedAt: Number(r.since), lastErrorKind: r.error_kind as ErrorKind | null, lastDetail: r.detail });
    },
  };
}

/**
 * Targets whose incident may change without a result of theirs (a region came or went):
 * those with an open incident or a region that sees them down.
 */
export async function quorumCandidates(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ target_id: string }>('SELECT target_id FROM region_verdicts WHERE down UNION SELECT target_id FROM incidents WHERE closed_at IS NULL');
  return rows.map((r) => r.target_id);
}
