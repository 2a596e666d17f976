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
          lastErrorKind: 'connection_refused', lastDetail: 'ECONNREFUSED', failureCount: 2, openedWhileProbeDegraded: false, updatedAt: 1_000,
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
  });
}
