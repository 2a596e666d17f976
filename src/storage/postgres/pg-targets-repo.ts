import type pg from 'pg';
import type { NewTarget, TargetPatch, TargetRecord, UpsertOutcome } from '../store.js';
import { StoreConflictError } from '../store.js';
import { cleanTarget, targetFromRow, type TargetRow } from '../stored-rows.js';
import { validateTarget } from '../target-validation.js';
import { inTransaction, sqlState } from './pg-connection.js';


const COLUMNS = 'id, name, input, interval_ms, tags, enabled, confirmations, source, created_at, updated_at, regions, quorum';
/** names sort bytewise (COLLATE "C"), as in SQLite, whatever the database's collation */
const SELECT_ALL = `SELECT ${COLUMNS} FROM targets ORDER BY name COLLATE "C"`;

function params(t: TargetRecord): unknown[] {
  return [t.id, t.name, JSON.stringify(t.input), t.intervalMs, t.tags, t.enabled, t.confirmations, t.source, t.createdAt, t.updatedAt, t.regions, t.quorum];
}

/** Turns a unique violation into a conflict that names the field. */
function asConflict(err: unknown, target: NewTarget): unknown {
  if (sqlState(err) !== '23505') return err;
  const constraint = (err as { constraint?: string }).constraint;
  if (constraint === 'targets_name_key') return new StoreConflictError('name', `name: a target named ${JSON.stringify(target.name)} already exists`);
  if (constraint === 'targets_pkey') return new StoreConflictError('id', `id: a target with id ${JSON.stringify(target.id)} already exists`);
  return err;
}


type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** What changed in the targets table since a reader's last read (`readTargetChanges`). */
export interface TargetChanges {
  /** the whole list (no `since`): every target stored, and a target not in it is gone */
  readonly isFull: boolean;
  /** full: every row; else the rows written since (some may be unchanged: read again is harmless) */
  readonly records: TargetRecord[];
  /** not full: ids deleted since and not stored again */
  readonly deleted: string[];
  /** the oldest transaction still running when these were read: the next read's `since` */
  readonly xmin: string;
}

/**
 * Reads the targets written (and the ids deleted) by every transaction at or after `since` —
 * the `xmin` of the reader's previous read — or, without it, the whole list. One
 * repeatable-read snapshot, so the rows, the tombstones and the new xmin agree: whatever the
 * previous read could not see (transactions running or not yet started then, in whatever
 * order they committed) has a transaction id at or after its xmin (migration 13).
 */
export async function readTargetChanges(pool: pg.Pool, since: string | null): Promise<TargetChanges> {
  return inTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const { rows: snap } = await client.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
    const xmin = (snap[0] as { xmin: string }).xmin;
    if (since === null) return { isFull: true, records: (await client.query<TargetRow>(SELECT_ALL)).rows.map(targetFromRow), deleted: [], xmin };
    const { rows } = await client.query<TargetRow>(`SELECT ${COLUMNS} FROM targets WHERE changed_xid >= $1::xid8 ORDER BY name COLLATE "C"`, [since]);
    const { rows: gone } = await client.query<{ id: string }>(
      'SELECT DISTINCT g.id FROM target_tombstones g WHERE g.deleted_xid >= $1::xid8 AND NOT EXISTS (SELECT 1 FROM targets t WHERE t.id = g.id)',
      [since],
    );
    return { isFull: false, records: rows.map(targetFromRow), deleted: gone.map((g) => g.id), xmin };
  });
}

/** Drops tombstones older than `maxAgeMs`; a reader whose last read is older must read the whole list. Returns how many. */
export async function pruneTargetTombstones(pool: pg.Pool, maxAgeMs: number): Promise<number> {
  const { rowCount } = await pool.query(`DELETE FROM target_tombstones WHERE deleted_at < now() - $1::bigint * interval '1 millisecond'`, [Math.floor(maxAgeMs)]);
  return rowCount ?? 0;
}

export class PgTargetsRepo {
  constructor(private readonly pool: pg.Pool) {}

  async list(): Promise<TargetRecord[]> {
    return (await this.pool.query<TargetRow>(SELECT_ALL)).rows.map(targetFromRow);
  }

  async get(id: string, db: Queryable = this.pool): Promise<TargetRecord | null> {
    const { rows } = await db.query<TargetRow>(`SELECT ${COLUMNS} FROM targets WHERE id = $1`, [id]);
    return rows[0] === undefined ? null : targetFromRow(rows[0]);
  }

  async create(target: NewTarget, nowMsIn: number): Promise<TargetRecord> {
    // the daemon's clock has sub-ms precision; the columns are whole epoch ms (bigint)
    const nowMs = Math.floor(nowMsIn);
    validateTarget(target);
    const record = { ...cleanTarget(target), createdAt: nowMs, updatedAt: nowMs };
    try {
      await this.pool.query(`INSERT INTO targets (${COLUMNS}) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, params(record));
    } catch (err) {
      throw asConflict(err, target);
    }
    return record;
  }

  async update(id: string, patch: TargetPatch, nowMsIn: number): Promise<TargetRecord | null> {
    // the daemon's clock has sub-ms precision; the columns are whole epoch ms (bigint)
    const nowMs = Math.floor(nowMsIn);
    const current = await this.get(id);
    if (current === null) return null;
    const merged = { ...current, ...patch, id };
    validateTarget(merged);
    const next = { ...cleanTarget(merged), createdAt: current.createdAt, updatedAt: nowMs };
    try {
      const { rowCount } = await this.pool.query(
        `UPDATE targets SET name = $2, input = $3::jsonb, interval_ms = $4, tags = $5, enabled = $6, confirmations = $7, source = $8, updated_at = $10,
           regions = $11, quorum = $12
         WHERE id = $1 AND created_at = $9`,
        params(next),
      );
      // deleted (or deleted and re-created) by another node since the read
      if (rowCount === 0) return null;
    } catch (err) {
      throw asConflict(err, next);
    }
    return next;
  }

  /** Creates or replaces in one statement, keeping created_at (config reload). */
  async upsert(target: NewTarget, nowMsIn: number, db: Queryable = this.pool): Promise<TargetRecord> {
    // the daemon's clock has sub-ms precision; the columns are whole epoch ms (bigint)
    const nowMs = Math.floor(nowMsIn);
    validateTarget(target);
    const record = { ...cleanTarget(target), createdAt: nowMs, updatedAt: nowMs };
    try {
      const { rows } = await db.query<{ created_at: number }>(
        `INSERT INTO targets (${COLUMNS}) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, input = excluded.input, interval_ms = excluded.interval_ms,
           tags = excluded.tags, enabled = excluded.enabled, confirmations = excluded.confirmations, source = excluded.source,
           updated_at = excluded.updated_at, regions = excluded.regions, quorum = excluded.quorum
         RETURNING created_at`,
        params(record),
      );
      return { ...record, createdAt: rows[0]?.created_at ?? nowMs };
    } catch (err) {
      throw asConflict(err, target);
    }
  }

  /**
   * One transaction. First one statement for the whole list (a 100,000-target config would
   * otherwise be 300,000 round trips): rows equal to the stored ones are not written (their
   * record keeps the stored updatedAt), so a second node or a restart with the same file writes
   * nothing. If any target is invalid or the statement fails (a name clash), the list is done
   * again one target at a time, each in its own savepoint, so a refused one rolls back alone.
   */
  async upsertMany(list: readonly NewTarget[], nowMsIn: number): Promise<UpsertOutcome[]> {
    // the daemon's clock has sub-ms precision; the columns are whole epoch ms (bigint)
    const nowMs = Math.floor(nowMsIn);
    if (list.length === 0) return [];
    return inTransaction(this.pool, async (client) => {
      const bulk = await this.upsertBulk(list, nowMs, client);
      if (bulk !== null) return bulk;
      const out: UpsertOutcome[] = [];
      for (const target of list) {
        await client.query('SAVEPOINT upsert_one');
        try {
          out.push({ ok: true, record: await this.upsert(target, nowMs, client) });
          await client.query('RELEASE SAVEPOINT upsert_one');
        } catch (err) {
          await client.query('ROLLBACK TO SAVEPOINT upsert_one');
          if (!(err instanceof Error && 'field' in err)) throw err;
          out.push({ ok: false, field: String((err as { field: unknown }).field), message: err.message });
        }
      }
      return out;
    });
  }

  /** The whole list in one statement, or null (nothing written) when one target would be refused. */
  private async upsertBulk(list: readonly NewTarget[], nowMs: number, client: Queryable): Promise<UpsertOutcome[] | null> {
    const records: Omit<TargetRecord, 'createdAt' | 'updatedAt'>[] = [];
    const ids = new Set<string>();
    for (const target of list) {
      try {
        validateTarget(target);
      } catch {
        return null;
      }
      // a repeated id in one list: the per-target path applies them in order
      if (ids.has(target.id)) return null;
      ids.add(target.id);
      records.push(cleanTarget(target));
    }
    const rows = records.map((r) => ({ id: r.id, name: r.name, input: r.input, interval_ms: r.intervalMs, tags: r.tags, enabled: r.enabled, confirmations: r.confirmations, source: r.source, regions: r.regions, quorum: r.quorum }));
    await client.query('SAVEPOINT upsert_bulk');
    let stamps: { id: string; created_at: number; updated_at: number }[];
    try {
      // sorted by id: nodes upserting the same file at once lock the rows in the same order
      ({ rows: stamps } = await client.query<{ id: string; created_at: number; updated_at: number }>(
        `WITH r AS (
           SELECT r.id, r.name, r.input, r.interval_ms, ARRAY(SELECT jsonb_array_elements_text(r.tags)) AS tags, r.enabled, r.confirmations, r.source,
             CASE WHEN jsonb_typeof(r.regions) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(r.regions)) END AS regions, r.quorum
           FROM jsonb_to_recordset($1::jsonb) AS r(id text, name text, input jsonb, interval_ms integer, tags jsonb, enabled boolean, confirmations integer,
             source text, regions jsonb, quorum text)
         ), up AS (
           INSERT INTO targets (${COLUMNS})
           SELECT id, name, input, interval_ms, tags, enabled, confirmations, source, $2, $2, regions, quorum FROM r ORDER BY id
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, input = excluded.input, interval_ms = excluded.interval_ms,
             tags = excluded.tags, enabled = excluded.enabled, confirmations = excluded.confirmations, source = excluded.source,
             updated_at = excluded.updated_at, regions = excluded.regions, quorum = excluded.quorum
           WHERE (targets.name, targets.input, targets.interval_ms, targets.tags, targets.enabled, targets.confirmations, targets.source, targets.regions, targets.quorum)
             IS DISTINCT FROM (excluded.name, excluded.input, excluded.interval_ms, excluded.tags, excluded.enabled, excluded.confirmations, excluded.source, excluded.regions, excluded.quorum)
           RETURNING id, created_at, updated_at
         )
         SELECT r.id, COALESCE(up.created_at, t.created_at) AS created_at, COALESCE(up.updated_at, t.updated_at) AS updated_at
         FROM r LEFT JOIN up ON up.id = r.id LEFT JOIN targets t ON t.id = r.id`,
        [JSON.stringify(rows), nowMs],
      ));
    } catch (err) {
      if (sqlState(err) !== '23505') throw err;
      await client.query('ROLLBACK TO SAVEPOINT upsert_bulk');
      return null;
    }
    await client.query('RELEASE SAVEPOINT upsert_bulk');
    const byId = new Map(stamps.map((s) => [s.id, s]));
    return records.map((r): UpsertOutcome => {
      const s = byId.get(r.id);
      return { ok: true, record: { ...r, createdAt: Number(s?.created_at ?? nowMs), updatedAt: Number(s?.updated_at ?? nowMs) } };
    });
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM targets WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }
}
