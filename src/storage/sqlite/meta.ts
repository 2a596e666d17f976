import type Database from 'better-sqlite3';

export type MetaKey = 'raw_floor_ms' | 'rollup_watermark_ms';

/** Small integer settings the store keeps about itself (see schema.ts). */
export class Meta {
  private readonly read: Database.Statement;
  private readonly write: Database.Statement;

  constructor(db: Database.Database) {
    this.read = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.write = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(key: MetaKey): number | null {
    return (this.read.get(key) as number | undefined) ?? null;
  }

  set(key: MetaKey, value: number): void {
    this.write.run(key, value);
  }
}

export const HOUR_MS = 3_600_000;

export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}
