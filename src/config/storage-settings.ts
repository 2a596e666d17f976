/**
 * Storage settings of the daemon config: raw and rollup retention and how often the
 * maintenance job (hourly rollup, then retention) runs. See docs/daemon.md, "Storage".
 */
import { z } from 'zod';
import { durationInputSchema, parseDurationMs } from './duration.js';
import { parsePostgresUrl } from '../storage/postgres/pg-connection.js';
import { resolveReferences, type SecretSource } from './secret-ref.js';

export interface StorageSettings {
  /** raw results older than this are deleted once rolled up */
  readonly rawRetentionMs: number;
  /** hourly rollups and closed incidents older than this are deleted */
  readonly rollupRetentionMs: number;
  /** how often the maintenance job runs */
  readonly maintenanceEveryMs: number;
  /**
   * postgres://… to use a Postgres store, `${env:…}`/`${file:…}` references resolved (the
   * password need not be in the file); null = SQLite in the data dir (--store and VIGIL_STORE win)
   */
  readonly url: string | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export const DEFAULT_STORAGE_SETTINGS: StorageSettings = Object.freeze({
  rawRetentionMs: 7 * DAY_MS,
  rollupRetentionMs: 400 * DAY_MS,
  maintenanceEveryMs: 5 * 60_000,
  url: null,
});

/** Bounds: raw history must cover at least the newest hours (rollups need finished hours). */
const STORAGE_LIMITS = Object.freeze({
  rawRetentionMinMs: 2 * HOUR_MS,
  rollupRetentionMinMs: DAY_MS,
  retentionMaxMs: 10 * 365 * DAY_MS,
  maintenanceEveryMinMs: 1_000,
  maintenanceEveryMaxMs: 24 * HOUR_MS,
});

const RETENTION_FORM = 'a duration such as "36h", "7d" or "400d" (units ms, s, m, h, d)';

export const storageInputSchema = z.strictObject({
  rawRetention: durationInputSchema.optional(),
  rollupRetention: durationInputSchema.optional(),
  maintenanceEvery: durationInputSchema.optional(),
  url: z.string().optional(),
});

export function parseStorageSettings(raw: z.infer<typeof storageInputSchema>, fail: (field: string, message: string) => Error, secrets: SecretSource = { env: {} }): StorageSettings {
  const d = DEFAULT_STORAGE_SETTINGS;
  const L = STORAGE_LIMITS;
  const duration = (field: string, value: unknown, fallback: number, minMs: number, maxMs: number, minText: string, maxText: string): number => {
    if (value === undefined) return fallback;
    const ms = parseDurationMs(value);
    if (ms === null || ms < minMs || ms > maxMs) throw fail(field, `expected ${RETENTION_FORM}, from ${minText} to ${maxText}, got ${JSON.stringify(value)}`);
    return ms;
  };
  const rawRetentionMs = duration('rawRetention', raw.rawRetention, d.rawRetentionMs, L.rawRetentionMinMs, L.retentionMaxMs, '2h', '3650d');
  const rollupRetentionMs = duration('rollupRetention', raw.rollupRetention, d.rollupRetentionMs, L.rollupRetentionMinMs, L.retentionMaxMs, '1d', '3650d');
  if (rollupRetentionMs < rawRetentionMs) {
    throw fail('rollupRetention', `must be at least rawRetention (${raw.rawRetention ?? '7d'}), or long history would vanish before the raw results it summarises`);
  }
  const maintenanceEveryMs = duration('maintenanceEvery', raw.maintenanceEvery, d.maintenanceEveryMs, L.maintenanceEveryMinMs, L.maintenanceEveryMaxMs, '1s', '24h');
  let url: string | null = null;
  if (raw.url !== undefined) {
    const resolved = resolveReferences(raw.url, secrets);
    if (!resolved.ok) throw fail('url', resolved.message);
    try {
      parsePostgresUrl(resolved.value, 'url');
      url = resolved.value;
    } catch (err) {
      throw fail('url', err instanceof Error ? err.message.replace(/^url: /, '') : String(err));
    }
  }
  return Object.freeze({ rawRetentionMs, rollupRetentionMs, maintenanceEveryMs, url });
}
