import type Database from 'better-sqlite3';

/**
 * Maps repeated strings (target ids, endpoints, TLS info JSON) to small integer keys. The
 * cache lives in the store instance; `reset()` must be called when a transaction that may
 * have inserted keys rolls back, or the cache would point at keys that do not exist.
 */
const MAX_CACHED = 250_000;

export class Interner {
  private readonly toKey = new Map<string, number>();
  private readonly toValue = new Map<number, string>();
  private readonly insert: Database.Statement;
  private readonly byValue: Database.Statement;
  private readonly byKey: Database.Statement;

  constructor(db: Database.Database, table: string, column: string) {
    this.insert = db.prepare(`INSERT INTO ${table} (${column}) VALUES (?) ON CONFLICT DO NOTHING`);
    this.byValue = db.prepare(`SELECT key FROM ${table} WHERE ${column} = ?`).pluck();
    this.byKey = db.prepare(`SELECT ${column} FROM ${table} WHERE key = ?`).pluck();
  }

  /** the key, creating it (inside the caller's transaction) when new */
  keyOf(value: string): number {
    const cached = this.toKey.get(value);
    if (cached !== undefined) return cached;
    this.insert.run(value);
    const key = this.byValue.get(value) as number;
    this.remember(key, value);
    return key;
  }

  /** the key if the value was ever stored, else null (for queries: nothing to find) */
  find(value: string): number | null {
    const cached = this.toKey.get(value);
    if (cached !== undefined) return cached;
    const key = this.byValue.get(value) as number | undefined;
    if (key === undefined) return null;
    this.remember(key, value);
    return key;
  }

  valueOf(key: number): string {
    const cached = this.toValue.get(key);
    if (cached !== undefined) return cached;
    const value = this.byKey.get(key) as string | undefined;
    if (value === undefined) throw new Error(`interned key ${key} is missing`);
    this.remember(key, value);
    return value;
  }

  reset(): void {
    this.toKey.clear();
    this.toValue.clear();
  }

  private remember(key: number, value: string): void {
    // bounded: TLS info changes daily per target, so the set of values only grows
    if (this.toKey.size >= MAX_CACHED) this.reset();
    this.toKey.set(value, key);
    this.toValue.set(key, value);
  }
}
