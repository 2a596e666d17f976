/**
 * The daemon's data directory: made usable before anything is written to it, and held by
 * one daemon at a time.
 *
 * - **Created step by step** (not `mkdirSync(..., { recursive: true })`: on a path such as
 *   `/proc/1/nope` Node's recursive mkdir retries ENOENT forever at 100 % CPU). The first
 *   component that cannot be created, or an existing one that is not a directory, is a
 *   `DataDirError` naming the path and the errno code.
 * - **Locked**: an exclusive SQLite lock on `<dir>/vigil.lock` (a POSIX `fcntl` lock taken by
 *   `BEGIN EXCLUSIVE` and never released while the daemon runs). The kernel drops it when the
 *   process dies, even by `kill -9`, so a crash never leaves a stale lock behind. The holder's
 *   pid is written beside it (`vigil.pid`) so the refused daemon can say who holds it.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const LOCK_FILE = 'vigil.lock';
const PID_FILE = 'vigil.pid';
/** the data dir and its files are the operator's only: they hold check credentials */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** The data dir cannot be used (unwritable, not a directory) or another daemon holds it. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

export interface DataDirLock {
  readonly dir: string;
  /** releases the lock (the daemon's last step on shutdown) */
  release(): void;
}

function errnoCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}

/** Creates every missing component of `dir`, one mkdir each; throws DataDirError. */
export function ensureDataDir(dir: string): void {
  const missing: string[] = [];
  let path = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new DataDirError(`--data-dir: cannot use ${dir}: ${path} is not accessible (${code})`);
      missing.push(path);
      const parent = dirname(path);
      if (parent === path) break;
      path = parent;
      continue;
    }
    if (!isDir) throw new DataDirError(`--data-dir: cannot use ${dir}: ${path} is not a directory`);
    break;
  }
  for (const component of missing.reverse()) {
    try {
      mkdirSync(component, { mode: DIR_MODE });
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST') continue; // created by someone else meanwhile
      throw new DataDirError(`--data-dir: cannot create ${component} (${code})`);
    }
  }
}

/**
 * Takes the data dir's lock or throws DataDirError naming the pid that holds it. Call after
 * `ensureDataDir`.
 */
export function lockDataDir(dir: string): DataDirLock {
  const lockPath = join(dir, LOCK_FILE);
  const pidPath = join(dir, PID_FILE);
  let db: Database.Database;
  try {
    db = new Database(lockPath, { timeout: 0 });
  } catch (err) {
    throw new DataDirError(`--data-dir: cannot write in ${dir} (${errnoCode(err)})`);
  }
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if (errnoCode(err) !== 'SQLITE_BUSY') throw new DataDirError(`--data-dir: cannot lock ${lockPath} (${errnoCode(err)})`);
    throw new DataDirError(`--data-dir: ${dir} is in use by another vigil daemon (${holderOf(pidPath)}); stop it or choose another --data-dir`);
  }
  try {
    writeFileSync(pidPath, `${process.pid}\n`, { mode: FILE_MODE });
  } catch (err) {
    db.close();
    throw new DataDirError(`--data-dir: cannot write in ${dir} (${errnoCode(err)})`);
  }
  let released = false;
  return {
    dir,
    release() {
      if (released) return;
      released = true;
      db.close();
    },
  };
}

function holderOf(pidPath: string): string {
  try {
    const pid = readFileSync(pidPath, 'utf8').trim();
    return /^\d+$/.test(pid) ? `pid ${pid}` : 'pid unknown';
  } catch {
    return 'pid unknown';
  }
}
