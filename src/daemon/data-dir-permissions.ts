/**
 * The data dir holds check definitions with their credentials (those not given by
 * reference) and every result: only the daemon's user may read it. A new dir is created
 * 0700 and a new database 0600 (SQLite gives its -wal and -shm files the database's mode).
 * An existing dir or file that others can read is tightened, and the log says so once: the
 * daemon owns its data dir, and a warning alone would leave the secrets readable.
 */
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './logger.js';

export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/** Creates or tightens the data dir and the files in it; returns the database path. */
export function secureDataDir(dir: string, dbName: string, log: Logger): string {
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  tighten(dir, DATA_DIR_MODE, log);
  const dbPath = join(dir, dbName);
  // Created here with the mode, so there is no moment in which it is world-readable.
  closeSync(openSync(dbPath, 'a', DATA_FILE_MODE));
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isFile()) tighten(path, DATA_FILE_MODE, log);
  }
  return dbPath;
}

function tighten(path: string, mode: number, log: Logger): void {
  const current = statSync(path).mode & 0o777;
  if ((current & ~mode) === 0) return;
  try {
    chmodSync(path, mode);
    log.warn(`data dir: ${path} was readable by others (${octal(current)}); changed to ${octal(mode)}`);
  } catch (err) {
    log.warn(`data dir: ${path} is readable by others (${octal(current)}) and could not be changed to ${octal(mode)} (${(err as { code?: string }).code ?? 'error'}); fix it by hand`);
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}
