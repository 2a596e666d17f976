/**
 * Which store `vigil serve` uses, and waiting for a Postgres that is not up yet: retried with
 * capped exponential backoff, one log line per attempt, the daemon's /readyz saying why it
 * is not ready meanwhile. A schema from a newer Vigil is not retried (StoreSchemaError).
 */
import { StoreSchemaError } from '../storage/postgres/pg-schema.js';
import { createPostgresStore, type PostgresStore } from '../storage/postgres/postgres-store.js';
import { openWorkerSqliteStore } from '../storage/sqlite/worker-store.js';
import type { Store } from '../storage/store.js';
import type { Logger } from './logger.js';

const STORE_RETRY_BASE_MS = 250;
const STORE_RETRY_MAX_MS = 10_000;

export interface DaemonStore {
  readonly store: Store;
  /** where the data lives, for the start line (no password) */
  readonly description: string;
  /** Postgres only: the store before its first connection (null for SQLite, already open) */
  readonly postgres: PostgresStore | null;
}

/** Opens SQLite at `sqlitePath` (the caller made its dir), or builds (without connecting) the Postgres store. */
export async function openDaemonStore(url: string | null, sqlitePath: string, log: Logger, nodeName: string): Promise<DaemonStore> {
  if (url === null) return { store: await openWorkerSqliteStore({ path: sqlitePath }), description: `sqlite ${sqlitePath}`, postgres: null };
  const postgres = createPostgresStore({ url, applicationName: `vigil ${nodeName}` }, (err) => log.warn(`storage: an idle postgres connection failed (${err.message}); the pool replaces it`));
  return { store: postgres, description: postgres.display, postgres };
}

export interface WaitOptions {
  baseMs?: number;
  maxMs?: number;
  /** told each failed attempt's reason (the daemon shows it on /readyz) */
  onWaiting?: (reason: string) => void;
  signal?: AbortSignal;
}

/** Resolves once connected; rejects only for StoreSchemaError or when `signal` aborts. */
export async function waitForPostgres(store: PostgresStore, log: Logger, options: WaitOptions = {}): Promise<void> {
  const baseMs = options.baseMs ?? STORE_RETRY_BASE_MS;
  const maxMs = options.maxMs ?? STORE_RETRY_MAX_MS;
  for (let attempt = 1; ; attempt += 1) {
    options.signal?.throwIfAborted();
    try {
      await store.connect();
      if (attempt > 1) log.info(`storage: connected to ${store.display} after ${attempt} attempts`);
      return;
    } catch (err) {
      if (err instanceof StoreSchemaError) throw err;
      const delayMs = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      const reason = `cannot reach ${store.display} (attempt ${attempt}: ${describe(err)})`;
      log.warn(`storage: ${reason}; retrying in ${delayMs} ms`);
      options.onWaiting?.(`storage: ${reason}`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
}
