import type Database from 'better-sqlite3';
import type { NewTarget, TargetPatch, TargetRecord, UpsertOutcome } from '../store.js';
import { StoreConflictError } from '../store.js';
import { cleanTarget, sameStoredTarget, targetFromRow, type TargetRow } from '../stored-rows.js';
import { validateTarget } from '../target-validation.js';


function toParams(t: TargetRecord): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    input: JSON.stringify(t.input),
    interval_ms: t.intervalMs,
    tags: JSON.stringify(t.tags),
    enabled: t.enabled ? 1 : 0,
    confirmations: t.confirmations,
    regions: t.regions === null ? null : JSON.stringify(t.regions),
    quorum: t.quorum,
    source: t.source,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

/** Turns SQLite's UNIQUE failures into a conflict that names the field. */
function asConflict(err: unknown, target: NewTarget): unknown {
  const message = err instanceof Error ? err.message : '';
  if (message.includes('UNIQUE constraint failed: targets.name')) {
    return new StoreConflictError('name', `name: a target named ${JSON.stringify(target.name)} already exists`);
  }
  if (message.includes('UNIQUE constraint failed: targets.id')) {
    return new StoreConflictError('id', `id: a target with id ${JSON.stringify(target.id)} already exists`);
  }
  return err;
}

const COLUMNS = 'id, name, input, interval_ms, tags, enabled, confirmations, regions, quorum, source, created_at, updated_at';
const VALUES = '@id, @name, @input, @interval_ms, @tags, @enabled, @confirmations, @regions, @quorum, @source, @created_at, @updated_at';

export class TargetsRepo {
  private readonly all: Database.Statement;
  private readonly one: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly replace: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.all = db.prepare(`SELECT ${COLUMNS} FROM targets ORDER BY name`);
    this.one = db.prepare(`SELECT ${COLUMNS} FROM targets WHERE id = ?`);
    this.insert = db.prepare(`INSERT INTO targets (${COLUMNS}) VALUES (${VALUES})`);
    this.replace = db.prepare(
      `UPDATE targets SET name = @name, input = @input, interval_ms = @interval_ms, tags = @tags, enabled = @enabled,
         confirmations = @confirmations, regions = @regions, quorum = @quorum, source = @source, updated_at = @updated_at WHERE id = @id`,
    );
    this.remove = db.prepare('DELETE FROM targets WHERE id = ?');
  }

  list(): TargetRecord[] {
    return (this.all.all() as TargetRow[]).map(targetFromRow);
  }

  get(id: string): TargetRecord | null {
    const row = this.one.get(id) as TargetRow | undefined;
    return row === undefined ? null : targetFromRow(row);
  }

  create(target: NewTarget, nowMs: number): TargetRecord {
    validateTarget(target);
    // whole epoch ms, as Postgres stores them (the daemon's clock has sub-ms precision)
    const record = { ...cleanTarget(target), createdAt: Math.floor(nowMs), updatedAt: Math.floor(nowMs) };
    try {
      this.insert.run(toParams(record));
    } catch (err) {
      throw asConflict(err, target);
    }
    return record;
  }

  update(id: string, patch: TargetPatch, nowMs: number): TargetRecord | null {
    const current = this.get(id);
    if (current === null) return null;
    const merged = { ...current, ...patch, id };
    validateTarget(merged);
    const next = { ...cleanTarget(merged), createdAt: current.createdAt, updatedAt: Math.floor(nowMs) };
    try {
      this.replace.run(toParams(next));
    } catch (err) {
      throw asConflict(err, next);
    }
    return next;
  }

  upsert(target: NewTarget, nowMs: number): TargetRecord {
    return this.db.transaction(() => {
      const existing = this.get(target.id);
      if (existing === null) return this.create(target, nowMs);
      return this.update(target.id, target, nowMs) as TargetRecord;
    })();
  }

  upsertMany(list: readonly NewTarget[], nowMs: number): UpsertOutcome[] {
    // Nested better-sqlite3 transactions are savepoints: a refused target rolls back alone.
    return this.db.transaction(() =>
      list.map((target): UpsertOutcome => {
        try {
          validateTarget(target);
          // equal to the stored row: not written, its updatedAt stays (as in the Postgres store)
          const existing = this.get(target.id);
          if (existing !== null && sameStoredTarget(existing, target)) return { ok: true, record: existing };
          return { ok: true, record: this.upsert(target, nowMs) };
        } catch (err) {
          const field = err instanceof Error && 'field' in err ? String((err as { field: unknown }).field) : 'target';
          return { ok: false, field, message: err instanceof Error ? err.message : String(err) };
        }
      }),
    )();
  }

  delete(id: string): boolean {
    return this.remove.run(id).changes > 0;
  }
}

