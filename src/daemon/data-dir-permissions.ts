/**
 * The data dir holds check definitions with their credentials (those not given by
 * reference) and every result: only the daemon's user may read it. A new dir is created
 * 0700 (ensureDataDir) and a new database and lock file 0600 (SQLite gives its -wal, -shm and
 * -journal files the database's mode).
 * An existing dir or file that others can read is tightened, and the log says so once: the
 * daemon owns its data dir, and a warning alone would leave the secrets readable.
 */
import { chmodSync, closeSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './logger.js';

const DATA_DIR_MODE = 0o700;
const DATA_FILE_MODE = 0o600;

/**
 * Tightens an existing data dir (created by ensureDataDir, src/daemon/data-dir.ts) and the
 * files in it, and creates `create` (the database, the lock) with the file mode first, so
 * there is no moment in which they are world-readable.
 */
export function secureDataDir(dir: string, create: readonly string[], log: Logger): void {
  tighten(dir, DATA_DIR_MODE, log);
  for (const name of create) createPrivateFile(join(dir, name));
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isFile()) tighten(path, DATA_FILE_MODE, log);
  }
}

/** Creates `path` (if missing) readable by its owner only, before anything writes to it. */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', DATA_FILE_MODE));
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
