import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

const WRITER = fileURLToPath(new URL('./fixtures/kill-writer.ts', import.meta.url));
const BATCH = 250;

/** Starts the writer, waits until it reports `minRows` committed, then SIGKILLs it. */
function writeThenKill(path: string, minRows: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, String(BATCH)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastCommitted = 0;
    let buffered = '';
    let stderr = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) lastCommitted = Math.max(lastCommitted, Number(line.split(' ')[1]));
      if (lastCommitted >= minRows && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited ${code}/${signal} before the kill: ${stderr}`));
      else resolve(lastCommitted);
    });
  });
}

it('after kill -9 mid-write, every committed batch is there, no partial batch, and the database opens cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kill9-'));
  const path = join(dir, 'vigil.db');
  try {
    const reported = await writeThenKill(path, 5_000);
    assert.ok(reported >= 5_000);
    const raw = new Database(path);
    try {
      assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      raw.close();
    }
    const store = openSqliteStore({ path });
    try {
      const rows = (await store.sizeReport()).rawResults;
      // everything reported committed is there; the write in flight at the kill is all or nothing
      assert.ok(rows >= reported, `${rows} rows stored, ${reported} reported committed`);
      assert.equal(rows % BATCH, 0, 'no partial batch');
      // and the store is writable again
      await store.createTarget({ id: 'after', name: 'after', input: { kind: 'tcp', host: '127.0.0.1', port: 1 }, intervalMs: 1_000, tags: [], enabled: true, confirmations: 2, source: 'api' }, 1);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
