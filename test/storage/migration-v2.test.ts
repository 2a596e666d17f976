// A database written by the previous schema (version 1) opens under the current one with
// every result, rollup and incident intact: a program upgrade loses nothing already stored.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';


it('a version-1 database migrates with its history intact; old rows are outside maintenance', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-migrate-'));
  const path = join(dir, 'v1.db');
  try {
    // A v1 file: the current schema with migrations 2 to 9 undone, then rows in v1's shape.
    const store = openSqliteStore({ path });
    await store.close();
    const db = new Database(path);
    db.exec(`DROP TABLE maintenance_windows; DROP INDEX results_by_target_time; ALTER TABLE results DROP COLUMN in_maintenance;
      CREATE INDEX results_by_target_time ON results (target_key, started_at, status); ALTER TABLE rollups DROP COLUMN maintenance;
      ALTER TABLE incidents DROP COLUMN probe_degraded; DROP TABLE alert_outbox;
      DROP TABLE heartbeat_state; DROP TABLE heartbeat_signals; DROP TABLE cert_warnings;
      ALTER TABLE targets DROP COLUMN regions; ALTER TABLE targets DROP COLUMN quorum; ALTER TABLE incidents DROP COLUMN regions;
      DROP TABLE alert_reminders; DROP TABLE push_rate_buckets;`);
    db.pragma('user_version = 1');
    db.exec(`INSERT INTO target_keys (key, id) VALUES (1, 'web'); INSERT INTO endpoints (key, value) VALUES (1, 'http http://web.test/');
      INSERT INTO results (target_key, started_at, due_at, status, total_us, connection_reused, sched_lag_us, loop_delay_us, endpoint_key)
      VALUES (1, 1000, 1000, 'up', 5000, 0, 0, 0, 1), (1, 2000, 2000, 'down', 5000, 0, 0, 0, 1);
      INSERT INTO rollups (target_key, hour_start, up, degraded, down, error, phases) VALUES (1, 0, 7, 0, 1, 0, '{}');
      INSERT INTO incidents (target_id, opened_at, failure_count, updated_at) VALUES ('web', 2000, 1, 2000);
      INSERT INTO targets (id, name, input, interval_ms, tags, enabled, confirmations, source, created_at, updated_at)
      VALUES ('web', 'web', '{"url":"http://web.test/"}', 60000, '[]', 1, 2, 'api', 1, 1);`);
    db.close();

    const upgraded = openSqliteStore({ path });
    try {
      const page = await upgraded.queryResults({ targetId: 'web', fromMs: 0, toMs: 10_000 });
      assert.deepEqual(page.items.map((r) => [r.result.startedAt, r.result.status, 'inMaintenance' in r]), [[2000, 'down', false], [1000, 'up', false]]);
      const rollups = await upgraded.listRollups('web', 0, 3_600_000);
      assert.deepEqual(rollups.map((r) => [r.up, r.down, r.maintenance]), [[7, 1, 0]]);
      assert.equal((await upgraded.getOpenIncident('web'))?.openedAt, 2000);
      assert.equal((await upgraded.getOpenIncident('web'))?.openedWhileProbeDegraded, false, 'an incident from before migration 3 is not marked');
      assert.deepEqual(await upgraded.listMaintenanceWindows(), []);
      assert.deepEqual((await upgraded.listAlertDeliveries()).items, [], 'migration 4: an empty outbox');
      // migration 5: an older incident has no regions; an older target is every region, majority
      assert.equal((await upgraded.getOpenIncident('web'))?.regions, null);
      const target = await upgraded.getTarget('web');
      assert.deepEqual([target?.regions, target?.quorum], [null, 'majority']);
    } finally {
      await upgraded.close();
    }
    const check = new Database(path, { readonly: true });
    assert.ok((check.pragma('user_version', { simple: true }) as number) >= 2, 'migrated past version 1');
    check.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
