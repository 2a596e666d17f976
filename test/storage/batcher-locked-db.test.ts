import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ResultBatcher } from '../../src/pipeline/result-batcher.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { openWorkerSqliteStore } from '../../src/storage/sqlite/worker-store.js';
import { httpResult } from './store.fixtures.js';

const BUSY_TIMEOUT_MS = 600;

/** Largest gap between ticks of a 10 ms interval while `body` runs: event-loop stalls. */
async function maxLoopGapMs(body: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let maxGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 10);
  try {
    await body();
  } finally {
    clearInterval(tick);
  }
  return Math.max(maxGap, performance.now() - last);
}

/** Another connection holding the write lock, like a second process or a long writer. */
function holdWriteLock(path: string): { release: () => void } {
  const other = new Database(path);
  other.pragma(`busy_timeout = 0`);
  other.exec('BEGIN IMMEDIATE');
  return {
    release: () => {
      other.exec('ROLLBACK');
      other.close();
    },
  };
}

describe('batcher against a real SQLite file whose write lock another connection holds', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-locked-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('in-thread, a SQLITE_BUSY wait blocks the event loop for the whole busy timeout (why the worker exists)', async () => {
    const path = join(dir, 'in-thread.db');
    const store = openSqliteStore({ path, busyTimeoutMs: BUSY_TIMEOUT_MS });
    const lock = holdWriteLock(path);
    try {
      const gap = await maxLoopGapMs(async () => {
        await assert.rejects(store.insertResults([httpResult(1)]), /database is locked/);
      });
      assert.ok(gap >= BUSY_TIMEOUT_MS * 0.9, `loop stalled ${gap.toFixed(0)} ms`);
    } finally {
      lock.release();
      await store.close();
    }
  });

  it('through the worker store: retries, drops after 3 attempts (counted), the loop never stalls, then recovers', async () => {
    const path = join(dir, 'worker.db');
    const store = await openWorkerSqliteStore({ path, busyTimeoutMs: BUSY_TIMEOUT_MS });
    const batcher = new ResultBatcher({ sink: store, batchSize: 10, retryBaseMs: 20 });
    const lock = holdWriteLock(path);
    try {
      const gap = await maxLoopGapMs(async () => {
        for (let i = 0; i < 10; i += 1) batcher.write(httpResult(1_000 + i));
        await batcher.flush();
      });
      let c = batcher.counters();
      assert.deepEqual([c.written, c.flushFailures, c.dropped.flush_failed, c.queued], [0, 3, 10, 0]);
      // three busy waits of 600 ms happened in the worker; the main loop kept ticking
      assert.ok(gap < BUSY_TIMEOUT_MS, `loop stalled ${gap.toFixed(0)} ms`);
      lock.release();
      for (let i = 0; i < 25; i += 1) batcher.write(httpResult(2_000 + i));
      await batcher.flush();
      c = batcher.counters();
      assert.deepEqual([c.accepted, c.written, c.dropped.flush_failed, c.queued], [35, 25, 10, 0]);
      const page = await store.queryResults({ targetId: 'web', fromMs: 0, toMs: 10_000, limit: 100 });
      assert.deepEqual(page.items.map((r) => r.result.startedAt), [...Array(25).keys()].map((i) => 2_024 - i));
    } finally {
      await batcher.close();
      await store.close();
    }
  });

  it('a lock released during the retries loses nothing', async () => {
    const path = join(dir, 'recover.db');
    const store = await openWorkerSqliteStore({ path, busyTimeoutMs: 200 });
    const batcher = new ResultBatcher({ sink: store, batchSize: 10, retryBaseMs: 50 });
    const lock = holdWriteLock(path);
    try {
      for (let i = 0; i < 10; i += 1) batcher.write(httpResult(i));
      setTimeout(() => lock.release(), 250);
      await batcher.flush();
      const c = batcher.counters();
      assert.equal(c.written, 10);
      assert.ok(c.flushFailures >= 1 && c.flushFailures <= 2, `failures ${c.flushFailures}`);
      assert.equal((await store.sizeReport()).rawResults, 10);
    } finally {
      await batcher.close();
      await store.close();
    }
  });
});
