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

    it('upserts many without rewriting unchanged rows: their updatedAt stays, changed and new ones get now', () =>
      withStore(open, async (store) => {
        const list = [httpTarget('a', { source: 'config', regions: ['x'] }), httpTarget('b', { source: 'config' })];
        await store.upsertTargets(list, 10);
        const again = await store.upsertTargets([list[0]!, httpTarget('b', { source: 'config', intervalMs: 5_000 }), httpTarget('c', { source: 'config' })], 20);
        assert.deepEqual(again.map((o) => o.ok && [o.record.id, o.record.createdAt, o.record.updatedAt]), [['a', 10, 10], ['b', 10, 20], ['c', 20, 20]]);
        assert.deepEqual((await store.listTargets()).map((t) => [t.id, t.updatedAt, t.intervalMs, t.regions]), [
          ['a', 10, list[0]!.intervalMs, ['x']], ['b', 20, 5_000, null], ['c', 20, list[0]!.intervalMs, null],
        ]);
      }));

    it('keeps regions and quorum (many nodes): read back, updated, upserted; left out they are every region, majority', () =>
      withStore(open, async (store) => {
        const { regions: _r, quorum: _q, ...bare } = httpTarget('plain');
        const plain = await store.createTarget(bare, 1);
        assert.deepEqual([plain.regions, plain.quorum], [null, 'majority']);
        assert.deepEqual([(await store.getTarget('plain'))?.regions, (await store.getTarget('plain'))?.quorum], [null, 'majority']);
        const placed = await store.createTarget(httpTarget('eu', { regions: ['europe', 'america'], quorum: 'all' }), 2);
        assert.deepEqual([placed.regions, placed.quorum], [['europe', 'america'], 'all']);
        assert.deepEqual(await store.getTarget('eu'), placed);
        assert.deepEqual((await store.listTargets()).find((t) => t.id === 'eu'), placed);
        const widened = await store.updateTarget('eu', { regions: null, quorum: 'any' }, 3);
        assert.deepEqual([widened?.regions, widened?.quorum], [null, 'any']);
        assert.deepEqual([(await store.getTarget('eu'))?.regions, (await store.getTarget('eu'))?.quorum], [null, 'any']);
        // a patch that says nothing of them keeps them
        await store.updateTarget('eu', { regions: ['asia'] }, 4);
        assert.deepEqual([(await store.updateTarget('eu', { enabled: false }, 5))?.regions, (await store.getTarget('eu'))?.quorum], [['asia'], 'any']);
        const [upserted] = await store.upsertTargets([httpTarget('eu', { regions: ['b', 'a'], quorum: 'majority' })], 6);
        assert.deepEqual(upserted?.ok === true && [upserted.record.regions, upserted.record.quorum], [['b', 'a'], 'majority']);
        assert.deepEqual((await store.getTarget('eu'))?.regions, ['b', 'a']);
        assert.deepEqual((await store.upsertTarget(httpTarget('eu', { regions: null }), 7)).regions, null);
        assert.equal((await store.getTarget('eu'))?.regions, null);
      }));

    it('refuses bad regions and quorums naming the field, never echoing control characters', () =>
      withStore(open, async (store) => {
        const cases: Array<[string, Parameters<typeof httpTarget>[1]]> = [
          ['regions', { regions: [] }],
          ['regions', { regions: ['eu', 'eu'] }],
          ['regions', { regions: ['eu\u202e'] }],
          ['regions', { regions: ['x'.repeat(65)] }],
          ['regions', { regions: Array.from({ length: 33 }, (_, i) => `r${i}`) }],
          ['regions', { regions: 'eu' as never }],
          ['regions', { regions: [7] as never }],
          ['quorum', { quorum: 'most' as never }],
        ];
        for (const [field, overrides] of cases) {
          await assert.rejects(store.createTarget(httpTarget('t', overrides), 1), (e: unknown) => {
            assert.ok(e instanceof StoreInputError, `${JSON.stringify(overrides)}: ${String(e)}`);
            assert.equal(e.field, field);
            assert.doesNotMatch(e.message, /[\u202e]/);
            return true;
          });
        }
        await store.createTarget(httpTarget('t'), 1);
        await assert.rejects(store.updateTarget('t', { regions: ['ok', 'ok'] }, 2), (e: unknown) => e instanceof StoreInputError && e.field === 'regions');
        const [refused] = await store.upsertTargets([httpTarget('t', { quorum: 'some' as never })], 3);
        assert.deepEqual(refused?.ok === false && refused.field, 'quorum');
        assert.deepEqual([(await store.getTarget('t'))?.regions, (await store.getTarget('t'))?.quorum], [null, 'majority']);
      }));
  });
}
