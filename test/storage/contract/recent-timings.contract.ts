import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreInputError, type ResultTiming, type Store, type StoredResult } from '../../../src/storage/store.js';
import { timingOf } from '../../../src/storage/stored-rows.js';
import { latencySeries } from '../../../src/status-page/build-status-model.js';
import { httpResult, tcpRefused } from '../store.fixtures.js';
import type { StoreFactory } from '../store.contract.js';
import { withStore } from '../store.contract.js';

const MIN = 60_000;
/** offsets from now: the contract does not depend on the time of day */
const NOW = Date.now();

/** The plain computation the status page did before: every whole result of the window, page by page. */
async function plainTimings(store: Store, targetId: string, fromMs: number, toMs: number, max: number): Promise<ResultTiming[]> {
  const out: StoredResult[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.queryResults({ targetId, fromMs, toMs, limit: Math.min(1000, max - out.length), cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && out.length < max);
  return out.map(timingOf);
}

function history(): StoredResult[] {
  const rows: StoredResult[] = [];
  for (let i = 0; i < 50; i += 1) {
    const at = NOW - i * MIN;
    // fractional timings, a refused connect (no ttfb), a degraded probe now and then
    const r = i % 7 === 3 ? tcpRefused(at, 'web') : httpResult(at, { targetId: 'web', ttfbMs: 10 + i * 0.125 });
    rows.push(i % 5 === 0 ? { ...r, schedulingLagMs: 1500.25, loopDelayMs: 250.5 } : r);
  }
  // two results in the same millisecond: ordered by insertion (id), newest first
  rows.push(httpResult(NOW - 2 * MIN, { targetId: 'web', ttfbMs: 99.999 }));
  for (let i = 0; i < 20; i += 1) rows.push(httpResult(NOW - i * 2 * MIN, { targetId: 'api', ttfbMs: 5 + i }));
  // outside the window on both sides
  rows.push(httpResult(NOW - 7 * 60 * MIN, { targetId: 'web' }), httpResult(NOW + MIN, { targetId: 'web' }));
  return rows;
}

export function recentTimingsContract(open: StoreFactory): void {
  describe('recent timings (the status overview latency series)', () => {
    const fromMs = NOW - 6 * 60 * MIN;
    const toMs = NOW + 1;

    it('gives every target the same timings, order and latency series as the whole results, in one call', () =>
      withStore(open, async (store) => {
        await store.insertResults(history());
        const got = await store.recentTimings(['web', 'api', 'nobody'], fromMs, toMs, 3000);
        for (const id of ['web', 'api']) {
          const mine = got.filter((r) => r.targetId === id);
          const plain = await plainTimings(store, id, fromMs, toMs, 3000);
          assert.deepEqual(mine, plain);
          assert.deepEqual(latencySeries(mine), latencySeries(plain));
        }
        assert.equal(got.filter((r) => r.targetId === 'web').length, 51);
        assert.equal(got.filter((r) => r.targetId === 'api').length, 20);
        assert.equal(got.filter((r) => r.targetId === 'nobody').length, 0);
        const first = got.find((r) => r.targetId === 'web');
        assert.deepEqual(first, { targetId: 'web', startedAt: NOW, dnsMs: 0.512, connectMs: 1.25, tlsMs: 4.5, ttfbMs: 10, receiveMs: 0.25, schedulingLagMs: 1500.25, loopDelayMs: 250.5 });
      }));

    it('keeps the newest perTarget results of each target, and none for an empty list', () =>
      withStore(open, async (store) => {
        await store.insertResults(history());
        const got = await store.recentTimings(['api', 'web', 'web'], fromMs, toMs, 4);
        assert.deepEqual(got.filter((r) => r.targetId === 'web'), (await plainTimings(store, 'web', fromMs, toMs, 4)));
        assert.deepEqual(got.filter((r) => r.targetId === 'api').map((r) => r.startedAt), [NOW, NOW - 2 * MIN, NOW - 4 * MIN, NOW - 6 * MIN]);
        assert.equal(got.length, 8);
        assert.deepEqual(await store.recentTimings([], fromMs, toMs, 10), []);
      }));

    it('refuses a bad perTarget, too many targets and non-integer bounds, naming the field', () =>
      withStore(open, async (store) => {
        const field = (name: string) => (err: unknown) => err instanceof Error && err.name === StoreInputError.name && (err as StoreInputError).field === name;
        await assert.rejects(store.recentTimings(['web'], fromMs, toMs, 0), field('perTarget'));
        await assert.rejects(store.recentTimings(['web'], fromMs, toMs, 10_001), field('perTarget'));
        await assert.rejects(store.recentTimings(['web'], fromMs, toMs, 1.5), field('perTarget'));
        await assert.rejects(store.recentTimings(Array.from({ length: 1001 }, (_, i) => `t${i}`), fromMs, toMs, 10), field('targetIds'));
        await assert.rejects(store.recentTimings(['web'], Number.NaN, toMs, 10), field('fromMs'));
      }));
  });
}
