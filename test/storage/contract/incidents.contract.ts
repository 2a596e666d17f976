import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreConflictError, StoreInputError } from '../../../src/storage/store.js';
import type { StoreFactory } from '../store.contract.js';
import { withStore } from '../store.contract.js';

export function incidentsContract(open: StoreFactory): void {
  describe('incidents', () => {
    it('opens, updates and closes an incident; one open incident per target', () =>
      withStore(open, async (store) => {
        const opened = await store.openIncident({ targetId: 'web', openedAt: 1_000, errorKind: 'connection_refused', detail: 'ECONNREFUSED', failureCount: 2 });
        assert.deepEqual(opened, {
          id: opened.id, targetId: 'web', openedAt: 1_000, closedAt: null, errorKind: 'connection_refused',
          lastErrorKind: 'connection_refused', lastDetail: 'ECONNREFUSED', failureCount: 2, openedWhileProbeDegraded: false, regions: null, updatedAt: 1_000,
        });
        await assert.rejects(
          store.openIncident({ targetId: 'web', openedAt: 2_000, errorKind: 'timeout', detail: null, failureCount: 2 }),
          (e: unknown) => e instanceof StoreConflictError && e.field === 'targetId',
        );
        assert.deepEqual(await store.getOpenIncident('web'), opened);
        const updated = await store.updateIncident(opened.id, { at: 3_000, errorKind: 'timeout', detail: 'no headers in 10000 ms', failuresAdded: 3 });
        assert.deepEqual(
          [updated?.errorKind, updated?.lastErrorKind, updated?.lastDetail, updated?.failureCount, updated?.updatedAt],
          ['connection_refused', 'timeout', 'no headers in 10000 ms', 5, 3_000],
        );
        const closed = await store.closeIncident(opened.id, 4_000);
        assert.equal(closed?.closedAt, 4_000);
        assert.equal(await store.getOpenIncident('web'), null);
        // closing or updating again changes nothing
        assert.deepEqual(await store.closeIncident(opened.id, 9_000), closed);
        assert.deepEqual(await store.updateIncident(opened.id, { at: 9_000, errorKind: null, detail: null, failuresAdded: 1 }), closed);
        assert.equal(await store.closeIncident(424242, 1), null);
        // after closing, the target may open a new one; one opened only by results taken while
        // the probe was degraded keeps that mark through updates and the close
        const second = await store.openIncident({ targetId: 'web', openedAt: 5_000, errorKind: null, detail: null, failureCount: 2, probeDegraded: true });
        assert.equal(second.openedWhileProbeDegraded, true);
        await store.updateIncident(second.id, { at: 6_000, errorKind: 'timeout', detail: null, failuresAdded: 1 });
        assert.equal((await store.closeIncident(second.id, 7_000))?.openedWhileProbeDegraded, true);
        assert.equal((await store.listIncidents({ targetId: 'web', state: 'all' })).items.map((i) => i.openedWhileProbeDegraded).join(), 'true,false');
      }));

    it('lists open incidents first, then newest first, filtered and paged', () =>
      withStore(open, async (store) => {
        const ids: Record<string, number> = {};
        for (const [name, openedAt] of [['a', 100], ['b', 200], ['c', 300], ['d', 400], ['e', 500]] as const) {
          ids[name] = (await store.openIncident({ targetId: name, openedAt, errorKind: 'timeout', detail: null, failureCount: 2 })).id;
        }
        await store.closeIncident(ids.d as number, 600);
        await store.closeIncident(ids.e as number, 700);
        const all = await store.listIncidents();
        assert.deepEqual(all.items.map((i) => i.targetId), ['c', 'b', 'a', 'e', 'd']);
        const order: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.listIncidents({ limit: 2, cursor });
          order.push(...page.items.map((i) => i.targetId));
          cursor = page.nextCursor;
        } while (cursor !== null);
        assert.deepEqual(order, ['c', 'b', 'a', 'e', 'd']);
        assert.deepEqual((await store.listIncidents({ state: 'open' })).items.map((i) => i.targetId), ['c', 'b', 'a']);
        assert.deepEqual((await store.listIncidents({ state: 'closed' })).items.map((i) => i.targetId), ['e', 'd']);
        assert.deepEqual((await store.listIncidents({ targetId: 'd' })).items.map((i) => i.closedAt), [600]);
        await assert.rejects(store.listIncidents({ state: 'gone' as never }), (e: unknown) => e instanceof StoreInputError && e.field === 'state');
      }));

    it('keeps which regions saw what (many nodes): opened with it, replaced or kept by updates, kept by the close, null without', () =>
      withStore(open, async (store) => {
        const atOpen = { quorum: 'majority', required: 2, verdicts: { europe: 'down', america: 'down', asia: 'no_live_node' } } as const;
        const opened = await store.openIncident({ targetId: 'web', openedAt: 1_000, errorKind: 'timeout', detail: 'down in america, europe', failureCount: 4, regions: atOpen });
        // keys come back in name order whatever the store does to them (jsonb reorders)
        const sorted = { quorum: 'majority', required: 2, verdicts: { america: 'down', asia: 'no_live_node', europe: 'down' } };
        assert.deepEqual(opened.regions, sorted);
        assert.deepEqual(Object.keys(opened.regions?.verdicts ?? {}), ['america', 'asia', 'europe']);
        assert.deepEqual((await store.getOpenIncident('web'))?.regions, sorted);
        assert.deepEqual(Object.keys((await store.listIncidents()).items[0]?.regions?.verdicts ?? {}), ['america', 'asia', 'europe']);
        // an update that says nothing of regions keeps them; one that does replaces them
        assert.deepEqual((await store.updateIncident(opened.id, { at: 2_000, errorKind: 'timeout', detail: 'x', failuresAdded: 1 }))?.regions, sorted);
        const later = { quorum: 'majority', required: 2, verdicts: { america: 'down', asia: 'no_live_node', europe: 'up' } } as const;
        assert.deepEqual((await store.updateIncident(opened.id, { at: 3_000, errorKind: 'timeout', detail: 'y', failuresAdded: 0, regions: later }))?.regions, later);
        assert.deepEqual((await store.closeIncident(opened.id, 4_000))?.regions, later);
        assert.deepEqual((await store.listIncidents({ targetId: 'web', state: 'closed' })).items[0]?.regions, later);
        // one node's incident has none; a bad value is refused naming the field and stores nothing
        const local = await store.openIncident({ targetId: 'web', openedAt: 5_000, errorKind: 'timeout', detail: null, failureCount: 2 });
        assert.equal(local.regions, null);
        assert.equal((await store.updateIncident(local.id, { at: 6_000, errorKind: null, detail: null, failuresAdded: 1, regions: null }))?.regions, null);
        for (const bad of [{ quorum: 'most', required: 1, verdicts: {} }, { quorum: 'any', required: 1, verdicts: { eu: 'sideways' } }, { quorum: 'any', required: 1, verdicts: { 'e\u202eu': 'up' } }, []]) {
          await assert.rejects(
            store.openIncident({ targetId: 'other', openedAt: 1, errorKind: null, detail: null, failureCount: 1, regions: bad as never }),
            (e: unknown) => e instanceof StoreInputError && e.field === 'regions' && !e.message.includes('\u202e'),
          );
          await assert.rejects(store.updateIncident(local.id, { at: 7_000, errorKind: null, detail: null, failuresAdded: 1, regions: bad as never }), (e: unknown) => e instanceof StoreInputError && e.field === 'regions');
        }
        assert.equal(await store.getOpenIncident('other'), null);
        assert.equal((await store.getOpenIncident('web'))?.failureCount, 3);
      }));
  });
}
