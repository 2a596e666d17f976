import type Database from 'better-sqlite3';
import type { MaintenanceWindowRecord, NewMaintenanceWindow } from '../store.js';
import { StoreInputError } from '../store.js';

interface WindowRow {
  id: string;
  source: 'config' | 'api';
  input: string;
  created_at: number;
  updated_at: number;
}

const WINDOW_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function fromRow(row: WindowRow): MaintenanceWindowRecord {
  return { id: row.id, source: row.source, input: JSON.parse(row.input) as Record<string, unknown>, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Maintenance windows (the planned kind, not the storage job): one row each, input as JSON. */
export class WindowsRepo {
  private readonly all: Database.Statement;
  private readonly one: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(db: Database.Database) {
    this.all = db.prepare('SELECT * FROM maintenance_windows ORDER BY id');
    this.one = db.prepare('SELECT * FROM maintenance_windows WHERE id = ?');
    this.upsert = db.prepare(
      `INSERT INTO maintenance_windows (id, source, input, created_at, updated_at) VALUES (@id, @source, @input, @now, @now)
       ON CONFLICT (id) DO UPDATE SET source = excluded.source, input = excluded.input, updated_at = excluded.updated_at`,
    );
    this.remove = db.prepare('DELETE FROM maintenance_windows WHERE id = ?');
  }

  list(): MaintenanceWindowRecord[] {
    return (this.all.all() as WindowRow[]).map(fromRow);
  }

  put(window: NewMaintenanceWindow, nowMs: number): MaintenanceWindowRecord {
    if (!WINDOW_ID.test(window.id)) throw new StoreInputError('id', `id: expected 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(window.id)}`);
    if (window.source !== 'config' && window.source !== 'api') throw new StoreInputError('source', `source: expected config or api, got ${JSON.stringify(window.source)}`);
    this.upsert.run({ id: window.id, source: window.source, input: JSON.stringify(window.input), now: Math.floor(nowMs) });
    return fromRow(this.one.get(window.id) as WindowRow);
  }

  delete(id: string): boolean {
    return this.remove.run(id).changes > 0;
  }
}
