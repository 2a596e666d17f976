import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredResult } from '../../../src/storage/store.js';
import { StoreInputError } from '../../../src/storage/store.js';
import { httpResult } from '../store.fixtures.js';
import type { StoreFactory } from '../store.contract.js';
import { withStore } from '../store.contract.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 5, 15, 12, 30, 0);

function inWindow(r: StoredResult): StoredResult {
  return { ...r, inMaintenance: true };
}

export function maintenanceWindowsContract(open: StoreFactory): void {
  describe('maintenance windows and results inside them', () => {
    it('stores, replaces and deletes windows, keeping createdAt', () =>
      withStore(open, async (store) => {
        const input = { id: 'nightly', cron: '0 3 * * *', duration: 1_800_000, timezone: 'Europe/Berlin', tags: ['db'] };
        const created = await store.putMaintenanceWindow({ id: 'nightly', source: 'config', input }, 1_000);
        assert.deepEqual(created, { id: 'nightly', source: 'config', input, createdAt: 1_000, updatedAt: 1_000 });
        await store.putMaintenanceWindow({ id: 'a-once', source: 'api', input: { id: 'a-once', from: 0, to: 1, global: true } }, 2_000);
        // the daemon's clock has sub-millisecond digits: whole ms are stored (Postgres refused the write with a 500 before)
        const replaced = await store.putMaintenanceWindow({ id: 'nightly', source: 'config', input: { ...input, duration: 60_000 } }, 3_000.625);
        assert.deepEqual([replaced.createdAt, replaced.updatedAt, replaced.input.duration], [1_000, 3_000, 60_000]);
        assert.deepEqual((await store.listMaintenanceWindows()).map((w) => [w.id, w.source]), [['a-once', 'api'], ['nightly', 'config']]);
        assert.equal(await store.deleteMaintenanceWindow('a-once'), true);
        assert.equal(await store.deleteMaintenanceWindow('a-once'), false);
        assert.deepEqual((await store.listMaintenanceWindows()).map((w) => w.id), ['nightly']);
        await assert.rejects(store.putMaintenanceWindow({ id: 'bad id', source: 'api', input: {} }, 1), (err: unknown) => err instanceof StoreInputError && err.field === 'id');
      }));

    it('keeps inMaintenance on results and leaves them out of uptime, raw and rolled up', () =>
      withStore(open, async (store) => {
        const h0 = Math.floor((NOW - 3 * HOUR) / HOUR) * HOUR;
        const batch = [
          httpResult(h0 + 60_000, { status: 'up' }),
          inWindow(httpResult(h0 + 120_000, { status: 'down' })),
          inWindow(httpResult(h0 + 180_000, { status: 'down' })),
          httpResult(h0 + 240_000, { status: 'down' }),
          httpResult(NOW - 60_000, { status: 'up' }),
          inWindow(httpResult(NOW - 30_000, { status: 'error' })),
        ];
        await store.insertResults(batch);
        const page = await store.queryResults({ targetId: 'web', fromMs: 0, toMs: NOW + 1 });
        assert.deepEqual(page.items.map((r) => [r.result.status, r.inMaintenance === true]), [['error', true], ['up', false], ['down', false], ['down', true], ['down', true], ['up', false]]);
        assert.equal('inMaintenance' in (page.items[1] as object), false, 'absent when false');
        const raw = await store.uptime('web', '24h', NOW);
        assert.deepEqual([raw.total, raw.up, raw.down, raw.error, raw.maintenance, raw.uptimePct], [3, 2, 1, 0, 3, (2 / 3) * 100]);
        await store.rollup(NOW);
        const rollups = await store.listRollups('web', 0, NOW);
        assert.deepEqual(rollups.map((r) => [r.hourStartMs, r.up, r.down, r.error, r.maintenance, r.phases.ttfb.count]), [[h0, 1, 1, 0, 2, 4]]);
        await store.applyRetention(NOW, { rawRetentionMs: HOUR, rollupRetentionMs: 400 * 24 * HOUR });
        const after = await store.uptime('web', '24h', NOW);
        assert.deepEqual([after.total, after.up, after.maintenance, after.approximate], [3, 2, 3, true]);
      }));
  });
}
