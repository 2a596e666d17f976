import type pg from 'pg';

/** keys cached per store instance; the set only grows (TLS info changes daily per target) */
const MAX_CACHED = 250_000;

/**
 * Maps repeated strings (target ids, endpoints, TLS info JSON) to small integer keys, shared
 * by every node: a new value is inserted with ON CONFLICT DO NOTHING and read back, in its
 * own statement outside the result batch, so a rolled-back batch leaves no key the cache
 * holds but the table lacks.
 */
export class PgInterner {
  private readonly toKey = new Map<string, number>();
  private readonly toValue = new Map<number, string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly table: 'target_keys' | 'endpoints' | 'tls_infos',
  ) {}

  /** Makes sure every value has a key (one round trip for all the new ones). */
  async ensure(values: Iterable<string>): Promise<void> {
    const missing = [...new Set(values)].filter((v) => !this.toKey.has(v));
    if (missing.length === 0) return;
    await this.pool.query(`INSERT INTO ${this.table} (value) SELECT unnest($1::text[]) ON CONFLICT (value) DO NOTHING`, [missing]);
    await this.load('value = ANY($1::text[])', [missing]);
  }

  /** the key of a value passed to `ensure` before */
  keyOf(value: string): number {
    const key = this.toKey.get(value);
    if (key === undefined) throw new Error(`interner ${this.table}: ${value.slice(0, 80)} was not ensured`);
    return key;
  }

  /** the key if the value was ever stored, else null (for queries: nothing to find) */
  async find(value: string): Promise<number | null> {
    const cached = this.toKey.get(value);
    if (cached !== undefined) return cached;
    await this.load('value = $1', [value]);
    return this.toKey.get(value) ?? null;
  }

  /** Loads the values of keys read from rows (one round trip for all unknown ones). */
  async resolveKeys(keys: Iterable<number>): Promise<void> {
    const missing = [...new Set(keys)].filter((k) => !this.toValue.has(k));
    if (missing.length > 0) await this.load('key = ANY($1::int[])', [missing]);
  }

  valueOf(key: number): string {
    const value = this.toValue.get(key);
    if (value === undefined) throw new Error(`interner ${this.table}: key ${key} is missing`);
    return value;
  }

  private async load(where: string, params: unknown[]): Promise<void> {
    const { rows } = await this.pool.query<{ key: number; value: string }>(`SELECT key, value FROM ${this.table} WHERE ${where}`, params);
    if (this.toKey.size + rows.length > MAX_CACHED) {
      this.toKey.clear();
      this.toValue.clear();
    }
    for (const r of rows) {
      this.toKey.set(r.value, r.key);
      this.toValue.set(r.key, r.value);
    }
  }
}
