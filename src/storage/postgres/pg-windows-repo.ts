import type pg from 'pg';
import type { MaintenanceWindowRecord, NewMaintenanceWindow } from '../store.js';
import { StoreInputError } from '../store.js';

interface WindowRow {
  id: string;
  source: 'config' | 'api';
  input: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}

const WINDOW_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function fromRow(row: WindowRow): MaintenanceWindowRecord {
  return { id: row.id, source: row.source, input: row.input, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Maintenance windows (the planned kind), as in the SQLite store: one row each, input as jsonb. */
export class PgWindowsRepo {
  constructor(private readonly pool: pg.Pool) {}

  async list(): Promise<MaintenanceWindowRecord[]> {
    return (await this.pool.query<WindowRow>('SELECT * FROM maintenance_windows ORDER BY id COLLATE "C"')).rows.map(fromRow);
  }

  async put(window: NewMaintenanceWindow, nowMs: number): Promise<MaintenanceWindowRecord> {
    if (!WINDOW_ID.test(window.id)) throw new StoreInputError('id', `id: expected 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(window.id)}`);
    if (window.source !== 'config' && window.source !== 'api') throw new StoreInputError('source', `source: expected config or api, got ${JSON.stringify(window.source)}`);
    const { rows } = await this.pool.query<WindowRow>(
      `INSERT INTO maintenance_windows (id, source, input, created_at, updated_at) VALUES ($1, $2, $3::jsonb, $4, $4)
       ON CONFLICT (id) DO UPDATE SET source = excluded.source, input = excluded.input, updated_at = excluded.updated_at
       RETURNING *`,
      [window.id, window.source, JSON.stringify(window.input), Math.floor(nowMs)],
    );
    return fromRow(rows[0] as WindowRow);
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM maintenance_windows WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }
}
