import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreConflictError, StoreInputError } from '../../../src/storage/store.js';
import { httpTarget } from '../store.fixtures.js';
import type { StoreFactory } from '../store.contract.js';
import { withStore } from '../store.contract.js';

export function targetsContract(open: StoreFactory): void {
  describe('targets', () => {
    it('creates, reads back and lists targets by name, with timestamps set', () =>
      withStore(open, async (store) => {
        const b = await store.createTarget(httpTarget('b', { name: 'Bravo', tags: ['x', 'y'] }), 1_000);
        await store.createTarget(httpTarget('a', { name: 'Alpha', source: 'config', enabled: false }), 2_000);
        assert.deepEqual(b, { ...httpTarget('b', { name: 'Bravo', tags: ['x', 'y'] }), createdAt: 1_000, updatedAt: 1_000 });
        assert.deepEqual(await store.getTarget('b'), b);
        const listed = await store.listTargets();
        assert.deepEqual(listed.map((t) => [t.id, t.enabled, t.source]), [['a', false, 'config'], ['b', true, 'api']]);
        assert.equal(await store.getTarget('nope'), null);
      }));

    it('stores times as whole epoch ms whatever the clock gives (the daemon\'s has sub-ms precision)', () =>
      withStore(open, async (store) => {
        const created = await store.createTarget(httpTarget('a'), 1_000.75);
        assert.deepEqual([created.createdAt, created.updatedAt], [1_000, 1_000]);
        const updated = await store.updateTarget('a', { name: 'Renamed' }, 2_000.5);
        assert.deepEqual([updated?.createdAt, updated?.updatedAt], [1_000, 2_000]);
        const [upserted] = await store.upsertTargets([httpTarget('b')], 3_000.25);
        assert.deepEqual(upserted?.ok === true && [upserted.record.createdAt, upserted.record.updatedAt], [3_000, 3_000]);
        const read = await store.getTarget('a');
        assert.deepEqual([read?.createdAt, read?.updatedAt], [1_000, 2_000]);
      }));

    it('refuses a duplicate id or name with a conflict naming the field', () =>
      withStore(open, async (store) => {
        await store.createTarget(httpTarget('a'), 1);
        await assert.rejects(store.createTarget(httpTarget('a', { name: 'Other' }), 2), (e: unknown) => e instanceof StoreConflictError && e.field === 'id');
        await assert.rejects(store.createTarget(httpTarget('b', { name: 'Target a' }), 2), (e: unknown) => e instanceof StoreConflictError && e.field === 'name');
        assert.equal((await store.listTargets()).length, 1);
      }));

    it('refuses invalid targets with an error naming the field, storing nothing', () =>
      withStore(open, async (store) => {
        const cases: Array<[string, Parameters<typeof httpTarget>[1]]> = [
          ['input.url', { input: { url: 'ftp://x' } }],
          ['input.kind', { input: { kind: 'udp', url: 'http://x' } as never }],
          ['intervalMs', { intervalMs: 999 }],
          ['confirmations', { confirmations: 0 }],
          ['tags', { tags: [''] }],
          ['name', { name: '  ' }],
          ['id', { id: 'bad id' }],
        ];
        for (const [field, overrides] of cases) {
          await assert.rejects(store.createTarget(httpTarget('t', overrides), 1), (e: unknown) => {
            assert.ok(e instanceof StoreInputError, `${field}: ${String(e)}`);
            assert.equal(e.field, field);
            assert.match(e.message, new RegExp(field.replace('.', '\\.')));
            return true;
          });
        }
        assert.deepEqual(await store.listTargets(), []);
      }));

    it('updates with a patch, keeps createdAt, refuses a name taken by another target', () =>
      withStore(open, async (store) => {
        await store.createTarget(httpTarget('a'), 1);
        await store.createTarget(httpTarget('b'), 1);
        const updated = await store.updateTarget('a', { intervalMs: 30_000, tags: [], enabled: false }, 5);
        assert.deepEqual(updated, { ...httpTarget('a', { intervalMs: 30_000, tags: [], enabled: false }), createdAt: 1, updatedAt: 5 });
        assert.equal(await store.updateTarget('zz', { enabled: true }, 6), null);
        await assert.rejects(store.updateTarget('a', { name: 'Target b' }, 7), (e: unknown) => e instanceof StoreConflictError && e.field === 'name');
        await assert.rejects(store.updateTarget('a', { intervalMs: 10 }, 7), (e: unknown) => e instanceof StoreInputError && e.field === 'intervalMs');
        assert.equal((await store.getTarget('a'))?.intervalMs, 30_000);
      }));

    it('upserts (config reload) keeping createdAt, and deletes', () =>
      withStore(open, async (store) => {
        await store.upsertTarget(httpTarget('a', { source: 'config' }), 10);
        const again = await store.upsertTarget(httpTarget('a', { source: 'config', intervalMs: 5_000 }), 20);
        assert.equal(again.createdAt, 10);
        assert.equal(again.updatedAt, 20);
        assert.equal((await store.getTarget('a'))?.intervalMs, 5_000);
        assert.equal(await store.deleteTarget('a'), true);
        assert.equal(await store.deleteTarget('a'), false);
        assert.equal(await store.getTarget('a'), null);
      }));

    it('upserts many in one call: each target stands alone, in order', () =>
      withStore(open, async (store) => {
        await store.upsertTarget(httpTarget('a', { source: 'config' }), 10);
        const outcomes = await store.upsertTargets(
          [
            httpTarget('a', { source: 'config', intervalMs: 5_000 }),
            httpTarget('b', { source: 'config', intervalMs: 10 }),
            httpTarget('c', { source: 'config', name: 'Target a' }),
            httpTarget('d', { source: 'config' }),
          ],
          20,
        );
        assert.deepEqual(outcomes.map((o) => (o.ok ? o.record.id : `refused:${o.field}`)), ['a', 'refused:intervalMs', 'refused:name', 'd']);
        const a = outcomes[0];
        assert.ok(a?.ok === true && a.record.createdAt === 10 && a.record.updatedAt === 20 && a.record.intervalMs === 5_000);
        assert.deepEqual((await store.listTargets()).map((t) => t.id).sort(), ['a', 'd']);
        assert.deepEqual(await store.upsertTargets([], 30), []);
      }));
  });
}
