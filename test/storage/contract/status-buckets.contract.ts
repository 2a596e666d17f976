import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckStatus } from '../../../src/domain/check-result.js';
import { StoreInputError, type StatusBucket, type StoredResult } from '../../../src/storage/store.js';
import { httpResult } from '../store.fixtures.js';
import type { StoreFactory } from '../store.contract.js';
import { withStore } from '../store.contract.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 12:30 UTC: the 11:00 hour is complete and past the rollup grace, 12:00 is not */
const NOW = Date.UTC(2025, 5, 15, 12, 30, 0);
const TODAY = Date.UTC(2025, 5, 15);

function at(ms: number, status: CheckStatus, opts: { maintenance?: boolean; targetId?: string } = {}): StoredResult {
  const r = httpResult(ms, { status, targetId: opts.targetId ?? 'web' });
  return opts.maintenance === true ? { ...r, inMaintenance: true } : r;
}

const counts = (b: StatusBucket): number[] => [b.startMs, b.up, b.degraded, b.down, b.error, b.maintenance];

export function statusBucketsContract(open: StoreFactory): void {
  describe('status buckets (daily and hourly bars)', () => {
    it('counts per UTC day and hour, the same before and after rollup and raw retention', () =>
      withStore(open, async (store) => {
        await store.insertResults([
          at(TODAY - 20 * DAY + 5 * HOUR, 'down'),
          at(TODAY - 20 * DAY + 6 * HOUR, 'up'),
          at(TODAY - 2 * DAY + 10 * HOUR, 'up'),
          at(TODAY - 2 * DAY + 10 * HOUR + 60_000, 'up'),
          at(TODAY - 2 * DAY + 10 * HOUR + 120_000, 'down'),
          at(TODAY - DAY + 23 * HOUR + 30 * 60_000, 'error'),
          at(TODAY - DAY + 23 * HOUR + 40 * 60_000, 'degraded'),
          at(TODAY - DAY + 23 * HOUR + 50 * 60_000, 'down', { maintenance: true }),
          at(TODAY + 11 * HOUR, 'up'),
          at(TODAY + 11 * HOUR + 60_000, 'up'),
          at(TODAY + 12 * HOUR + 20 * 60_000, 'down'),
          at(TODAY + 11 * HOUR, 'down', { targetId: 'other' }),
        ]);
        const expectedDays = [
          [TODAY - 20 * DAY, 1, 0, 1, 0, 0],
          [TODAY - 2 * DAY, 2, 0, 1, 0, 0],
          [TODAY - DAY, 0, 1, 0, 1, 1],
          [TODAY, 2, 0, 1, 0, 0],
        ];
        const days = async (): Promise<number[][]> => (await store.statusBuckets('web', 'day', NOW - 90 * DAY, NOW + 1)).map(counts);
        assert.deepEqual(await days(), expectedDays, 'all raw');
        await store.rollup(NOW);
        assert.deepEqual(await days(), expectedDays, 'rolled-up hours from rollups, the rest raw: nothing twice');
        const retention = await store.applyRetention(NOW, { rawRetentionMs: 7 * DAY, rollupRetentionMs: 400 * DAY });
        assert.equal(retention.rawDeleted, 2);
        assert.deepEqual(await days(), expectedDays, 'after raw retention, from rollups');

        const hours = (await store.statusBuckets('web', 'hour', TODAY - DAY + 20 * HOUR, NOW + 1)).map(counts);
        assert.deepEqual(hours, [
          [TODAY - DAY + 23 * HOUR, 0, 1, 0, 1, 1],
          [TODAY + 11 * HOUR, 2, 0, 0, 0, 0],
          [TODAY + 12 * HOUR, 0, 0, 1, 0, 0],
        ]);
        // the range starts at the bucket holding fromMs and ends before toMs
        assert.deepEqual((await store.statusBuckets('web', 'day', TODAY - DAY + 12 * HOUR, TODAY)).map(counts), [expectedDays[2]]);
        assert.deepEqual(await store.statusBuckets('nobody', 'day', NOW - 400 * DAY, NOW), []);

        const ninety = await store.uptime('web', '90d', NOW);
        assert.deepEqual([ninety.total, ninety.up, ninety.down, ninety.error, ninety.maintenance], [10, 6, 3, 1, 1]);
        assert.equal(ninety.fromMs, NOW - 90 * DAY);
      }));

    it('refuses a bad unit or range, naming the field', () =>
      withStore(open, async (store) => {
        const refused = async (call: Promise<unknown>, field: string): Promise<void> => {
          await assert.rejects(call, (e: unknown) => e instanceof StoreInputError && e.field === field);
        };
        await refused(store.statusBuckets('web', 'week' as 'day', 0, NOW), 'unit');
        await refused(store.statusBuckets('web', 'day', NOW, NOW - 1), 'fromMs');
        await refused(store.statusBuckets('web', 'day', Number.NaN, NOW), 'fromMs');
        await refused(store.statusBuckets('web', 'hour', 1.5, NOW), 'fromMs');
        await refused(store.statusBuckets('web', 'day', 0, Number.POSITIVE_INFINITY), 'toMs');
        await refused(store.statusBuckets('web', 'hour', NOW - 500 * DAY, NOW), 'fromMs');
        assert.deepEqual(await store.statusBuckets('web', 'hour', NOW - 400 * DAY, NOW), []);
      }));
  });
}
