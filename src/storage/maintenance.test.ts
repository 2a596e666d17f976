import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { startStorageMaintenance } from './maintenance.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import { httpResult } from '../../test/storage/store.fixtures.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

it('rolls up then applies retention, so 30 d uptime survives raw deletion; rounds do not overlap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-maint-'));
  const store = openSqliteStore({ path: join(dir, 'vigil.db') });
  const maintenance = startStorageMaintenance({ store, nowMs: () => NOW, everyMs: 60_000 });
  try {
    await store.insertResults([httpResult(NOW - 10 * DAY), httpResult(NOW - 10 * DAY + 1_000, { status: 'down' }), httpResult(NOW - 1_000)]);
    const [a, b] = await Promise.all([maintenance.runNow(), maintenance.runNow()]);
    assert.equal(a, b, 'a second call joins the running round');
    assert.deepEqual([a?.rollup.hours, a?.retention.rawDeleted], [1, 2]);
    const uptime = await store.uptime('web', '30d', NOW);
    assert.deepEqual([uptime.total, uptime.up, uptime.down], [3, 2, 1]);
    assert.equal((await maintenance.runNow()).retention.rawDeleted, 0);
  } finally {
    await maintenance.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses an interval under 1 s', () => {
  assert.throws(() => startStorageMaintenance({ store: { rollup: async () => ({ hours: 0, rows: 0, watermarkMs: null }), applyRetention: async () => ({ rawDeleted: 0, rollupsDeleted: 0, incidentsDeleted: 0, alertDeliveriesDeleted: 0, heartbeatPushesDeleted: 0 }) }, everyMs: 10 }), /everyMs/);
});
