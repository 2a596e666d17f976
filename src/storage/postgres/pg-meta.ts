import type pg from 'pg';
import type { MetaKey } from '../sqlite/meta.js';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Small integer settings the store keeps about itself (the same keys as the SQLite store). */
export async function readMeta(db: Queryable, key: MetaKey): Promise<number | null> {
  const { rows } = await db.query<{ value: number }>('SELECT value FROM meta WHERE key = $1', [key]);
  return rows[0]?.value ?? null;
}

export async function writeMeta(db: Queryable, key: MetaKey, value: number): Promise<void> {
  await db.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
}
