import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredResult } from '../../../src/storage/store.js';
import { StoreInputError } from '../../../src/storage/store.js';
import { httpResult, tcpRefused } from '../store.fixtures.js';
import type { StoreFactory } from '../store.contract.js';
import { withStore } from '../store.contract.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

export function resultsContract(open: StoreFactory): void {
  describe('results', () => {
    it('stores a batch and reads every field back, newest first', () =>
      withStore(open, async (store) => {
        const http = httpResult(T0, { status: 'down', ttfbMs: 250.125 });
        const tcp = tcpRefused(T0 + 1_000, 'web');
        await store.insertResults([http, tcp]);
        const page = await store.queryResults({ targetId: 'web', fromMs: 0, toMs: T0 + 10_000 });
        assert.deepEqual(page.items, [tcp, http]);
        assert.equal(page.nextCursor, null);
      }));

    it('pages newest first with a keyset cursor: no gaps, no repeats, ties on startedAt kept', () =>
      withStore(open, async (store) => {
        const batch: StoredResult[] = [];
        for (let i = 0; i < 25; i += 1) batch.push(httpResult(T0 + Math.floor(i / 2) * 1_000, { ttfbMs: i }));
        await store.insertResults(batch);
        const seen: number[] = [];
        const sizes: number[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.queryResults({ targetId: 'web', fromMs: T0, toMs: T0 + 60_000, limit: 10, cursor });
          sizes.push(page.items.length);
          seen.push(...page.items.map((r) => r.result.timings.ttfbMs as number));
          cursor = page.nextCursor;
        } while (cursor !== null);
        assert.deepEqual(sizes, [10, 10, 5]);
        // newest first; within one startedAt the later insert first
        assert.deepEqual(seen, [...Array(25).keys()].reverse());
      }));

    it('filters by target and by [fromMs, toMs)', () =>
      withStore(open, async (store) => {
        await store.insertResults([httpResult(T0), httpResult(T0 + 1_000), httpResult(T0 + 2_000), tcpRefused(T0 + 1_000, 'db')]);
        const page = await store.queryResults({ targetId: 'web', fromMs: T0 + 1_000, toMs: T0 + 2_000 });
        assert.deepEqual(page.items.map((r) => r.result.startedAt), [T0 + 1_000]);
        assert.equal((await store.queryResults({ targetId: 'db', fromMs: 0, toMs: T0 * 2 })).items.length, 1);
        assert.deepEqual((await store.queryResults({ targetId: 'none', fromMs: 0, toMs: T0 * 2 })).items, []);
      }));

    it('refuses a bad limit or cursor with an error naming the field', () =>
      withStore(open, async (store) => {
        await store.insertResults([httpResult(T0)]);
        for (const limit of [0, 1001, 1.5]) {
          await assert.rejects(store.queryResults({ targetId: 'web', fromMs: 0, toMs: T0 * 2, limit }), (e: unknown) => e instanceof StoreInputError && e.field === 'limit');
        }
        await assert.rejects(store.queryResults({ targetId: 'web', fromMs: 0, toMs: T0 * 2, cursor: 'garbage' }), (e: unknown) => e instanceof StoreInputError && e.field === 'cursor');
      }));

    it('writes a batch all-or-nothing: one bad row rejects the batch and stores none of it', () =>
      withStore(open, async (store) => {
        const bad = httpResult(T0 + 2);
        (bad.result as { status: unknown }).status = null;
        await assert.rejects(store.insertResults([httpResult(T0), httpResult(T0 + 1, { targetId: 'new' }), bad]));
        assert.equal((await store.sizeReport()).rawResults, 0);
        // interned keys from the rolled-back batch must not leak into later batches
        await store.insertResults([httpResult(T0 + 3, { targetId: 'new' })]);
        const page = await store.queryResults({ targetId: 'new', fromMs: 0, toMs: T0 * 2 });
        assert.deepEqual(page.items.map((r) => r.targetId), ['new']);
      }));

    it('keeps a detail with tabs, newlines, backslashes, \\N and \\. byte for byte', () =>
      withStore(open, async (store) => {
        const details = ['a\tb\nc\r\nd', '\\N', '\\.', 'back\\slash\\', '\\\\t', 'end\\.\n\\.\n', 'ünïcode ✓ 𝄞', ''];
        const batch = details.map((detail, i) => {
          const r = httpResult(T0 + i, { status: 'down' });
          (r.result as { detail: string }).detail = detail;
          return r;
        });
        await store.insertResults(batch);
        const page = await store.queryResults({ targetId: 'web', fromMs: 0, toMs: T0 * 2 });
        assert.deepEqual(page.items.map((r) => r.result.detail).reverse(), details);
      }));

    it('reports sizes and counts', () =>
      withStore(open, async (store) => {
        await store.insertResults([httpResult(T0), tcpRefused(T0)]);
        const size = await store.sizeReport();
        assert.equal(size.rawResults, 2);
        assert.equal(size.rollups, 0);
        assert.equal(size.incidents, 0);
        assert.ok(size.fileBytes >= size.walBytes && size.fileBytes > 0, JSON.stringify(size));
        await store.vacuum();
        assert.equal((await store.sizeReport()).rawResults, 2);
      }));
  });
}
