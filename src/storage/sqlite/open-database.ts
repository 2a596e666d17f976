import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './schema.js';

export interface SqliteOptions {
  /** database file path; its directory is created when missing */
  path: string;
  /**
   * how long a statement waits for another connection's lock before SQLITE_BUSY; the wait
   * blocks the calling thread, which is why the daemon runs the store in a worker thread
   */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating and migrating) a database: WAL so readers never block the writer,
 * synchronous=NORMAL (a commit is durable against a process crash; a power loss may lose
 * the last commits but never corrupts the file).
 */
export function openDatabase(options: SqliteOptions): Database.Database {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
