import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertDelivery, AlertReminderTake, Incident, NewAlertDelivery, OpenIncidentReminders } from '../../../src/storage/store.js';
import { MAX_REMINDER_INCIDENTS } from '../../../src/storage/alert-outbox.js';
import { StoreInputError } from '../../../src/storage/store.js';
import type { StoreFactory } from '../store.contract.js';
import { withStore } from '../store.contract.js';

const T0 = Date.UTC(2025, 5, 15, 12, 0, 0);
const DAY = 86_400_000;

function delivery(id: string, over: Partial<NewAlertDelivery> = {}): NewAlertDelivery {
  return {
    id,
    channel: 'ops',
    eventType: 'incident_opened',
    targetId: 'web',
    payload: JSON.stringify({ type: 'incident_opened', at: T0, n: id, order: { z: 1, a: 2 } }),
    createdAt: T0,
    ...over,
  };
}

const ids = (rows: readonly AlertDelivery[]) => rows.map((r) => r.id);
const claim = (owner: string, nowMs: number, limit = 100, leaseMs = 30_000) => ({ owner, nowMs, leaseMs, limit });
const isInput = (field: string) => (e: unknown) => e instanceof StoreInputError && e.field === field;

export function alertOutboxContract(open: StoreFactory): void {
  describe('alert outbox', () => {
    it('enqueues pending deliveries, keeps the payload text byte for byte, ignores a repeated id', () =>
      withStore(open, async (store) => {
        await store.enqueueAlertDeliveries([delivery('d1'), delivery('d2', { channel: 'slack', targetId: null, eventType: 'probe_degraded' })]);
        await store.enqueueAlertDeliveries([delivery('d1', { payload: '{"other":true}' })]);
        const page = await store.listAlertDeliveries();
        assert.deepEqual(page.items, [
          { ...delivery('d1'), state: 'pending', attempts: 0, nextAttemptAt: T0, lastError: null, updatedAt: T0 },
          { ...delivery('d2', { channel: 'slack', targetId: null, eventType: 'probe_degraded' }), state: 'pending', attempts: 0, nextAttemptAt: T0, lastError: null, updatedAt: T0 },
        ]);
        assert.equal(page.nextCursor, null);
        assert.equal(page.items[0]?.payload, delivery('d1').payload, 'key order kept (what was signed is re-sent)');
        await store.enqueueAlertDeliveries([]);
      }));

    it('claims due deliveries once; an owner records delivered, retry and failed; a released one comes back untouched', () =>
      withStore(open, async (store) => {
        await store.enqueueAlertDeliveries([delivery('a', { targetId: 'a' }), delivery('b', { targetId: 'b' }), delivery('c', { targetId: 'c', createdAt: T0 + 60_000 })]);
        assert.deepEqual(await store.claimAlertDeliveries(claim('n1', T0 - 1)), [], 'nothing due before createdAt');
        const first = await store.claimAlertDeliveries(claim('n1', T0));
        assert.deepEqual(ids(first), ['a', 'b']);
        assert.deepEqual(await store.claimAlertDeliveries(claim('n2', T0 + 1)), [], 'held by n1');
        assert.equal(await store.finishAlertAttempt('a', 'n2', { kind: 'delivered', atMs: T0 + 5 }), null, 'n2 does not hold it');

        const delivered = await store.finishAlertAttempt('a', 'n1', { kind: 'delivered', atMs: T0 + 5 });
        assert.deepEqual([delivered?.state, delivered?.attempts, delivered?.lastError, delivered?.updatedAt], ['delivered', 1, null, T0 + 5]);
        assert.equal(await store.finishAlertAttempt('a', 'n1', { kind: 'delivered', atMs: T0 + 6 }), null, 'finished once');

        const retry = await store.finishAlertAttempt('b', 'n1', { kind: 'retry', atMs: T0 + 10, nextAttemptAt: T0 + 1_010, error: 'ECONNREFUSED' });
        assert.deepEqual([retry?.state, retry?.attempts, retry?.nextAttemptAt, retry?.lastError], ['pending', 1, T0 + 1_010, 'ECONNREFUSED']);
        assert.deepEqual(await store.claimAlertDeliveries(claim('n2', T0 + 1_009)), [], 'not due before its next attempt');
        const again = await store.claimAlertDeliveries(claim('n2', T0 + 60_000));
        assert.deepEqual(ids(again), ['b', 'c'], 'by next attempt time, then order');
        const released = await store.finishAlertAttempt('b', 'n2', { kind: 'released', atMs: T0 + 60_001 });
        assert.deepEqual([released?.state, released?.attempts, released?.nextAttemptAt, released?.lastError], ['pending', 1, T0 + 1_010, 'ECONNREFUSED'], 'release counts no attempt');
        const failed = await store.finishAlertAttempt('c', 'n2', { kind: 'failed', atMs: T0 + 60_002, error: 'HTTP 400' });
        assert.deepEqual([failed?.state, failed?.attempts, failed?.lastError], ['failed', 1, 'HTTP 400']);

        assert.deepEqual(ids((await store.listAlertDeliveries({ state: 'pending' })).items), ['b']);
        assert.deepEqual(ids((await store.listAlertDeliveries({ state: 'failed' })).items), ['c']);
        assert.deepEqual(ids((await store.listAlertDeliveries({ state: 'delivered' })).items), ['a']);
      }));

    it('a lease that runs out lets another owner take the delivery; the old owner can no longer finish it', () =>
      withStore(open, async (store) => {
        await store.enqueueAlertDeliveries([delivery('x')]);
        assert.deepEqual(ids(await store.claimAlertDeliveries(claim('dead', T0, 10, 5_000))), ['x']);
        assert.deepEqual(await store.claimAlertDeliveries(claim('n2', T0 + 4_999)), []);
        assert.deepEqual(ids(await store.claimAlertDeliveries(claim('n2', T0 + 5_000))), ['x']);
        assert.equal(await store.finishAlertAttempt('x', 'dead', { kind: 'delivered', atMs: T0 + 5_001 }), null);
        assert.equal((await store.finishAlertAttempt('x', 'n2', { kind: 'delivered', atMs: T0 + 5_002 }))?.state, 'delivered');
      }));

    it('per channel and target, a delivery waits for the older pending one; other channels and targets do not', () =>
      withStore(open, async (store) => {
        await store.enqueueAlertDeliveries([
          delivery('opened', { targetId: 'web' }),
          delivery('resolved', { targetId: 'web', eventType: 'incident_resolved', createdAt: T0 + 1 }),
          delivery('slack-opened', { channel: 'slack', targetId: 'web' }),
          delivery('db-opened', { targetId: 'db' }),
          delivery('probe-1', { targetId: null, eventType: 'probe_degraded' }),
          delivery('probe-2', { targetId: null, eventType: 'probe_recovered', createdAt: T0 + 2 }),
        ]);
        const got = await store.claimAlertDeliveries(claim('n1', T0 + 10));
        assert.deepEqual(ids(got).sort(), ['db-opened', 'opened', 'probe-1', 'slack-opened']);
        await store.finishAlertAttempt('opened', 'n1', { kind: 'retry', atMs: T0 + 11, nextAttemptAt: T0 + 100, error: 'HTTP 503' });
        await store.finishAlertAttempt('probe-1', 'n1', { kind: 'delivered', atMs: T0 + 11 });
        assert.deepEqual(ids(await store.claimAlertDeliveries(claim('n1', T0 + 50))), ['probe-2'], '"resolved" still waits for "opened"');
        assert.deepEqual(ids(await store.claimAlertDeliveries(claim('n1', T0 + 100))), ['opened'], 'due again');
        assert.equal((await store.finishAlertAttempt('opened', 'n1', { kind: 'failed', atMs: T0 + 101, error: 'HTTP 400' }))?.state, 'failed');
        assert.deepEqual(ids(await store.claimAlertDeliveries(claim('n1', T0 + 102))), ['resolved'], 'a given-up delivery no longer blocks');
      }));

    it('records a finished delivery (a test alert): in the log, in order, never claimed; bad ones refused naming the field', () =>
      withStore(open, async (store) => {
        const test = { ...delivery('test-1', { eventType: 'test', targetId: null, payload: '{"type":"test"}', createdAt: T0 + 1 }), state: 'failed' as const, lastError: 'HTTP 401', finishedAt: T0 + 7 };
        await store.enqueueAlertDeliveries([delivery('q1')]);
        await store.recordAlertDelivery(test);
        await store.recordAlertDelivery({ ...test, state: 'delivered', lastError: null });
        await store.recordAlertDelivery({ ...delivery('test-2', { eventType: 'test', targetId: null, createdAt: T0 + 2 }), state: 'delivered', lastError: null, finishedAt: T0 + 9 });
        const { items } = await store.listAlertDeliveries();
        assert.deepEqual(items.slice(1), [
          { ...delivery('test-1', { eventType: 'test', targetId: null, payload: '{"type":"test"}', createdAt: T0 + 1 }), state: 'failed', attempts: 1, nextAttemptAt: T0 + 1, lastError: 'HTTP 401', updatedAt: T0 + 7 },
          { ...delivery('test-2', { eventType: 'test', targetId: null, createdAt: T0 + 2 }), state: 'delivered', attempts: 1, nextAttemptAt: T0 + 2, lastError: null, updatedAt: T0 + 9 },
        ], 'a repeated id is ignored');
        assert.deepEqual(ids(await store.claimAlertDeliveries(claim('n1', T0 + DAY))), ['q1'], 'only the queued one is claimed');
        assert.deepEqual(ids((await store.listAlertDeliveries({ state: 'pending' })).items), ['q1']);
        const good = { ...delivery('test-3', { eventType: 'test' }), state: 'delivered' as const, lastError: null, finishedAt: T0 };
        for (const [over, field] of [[{ state: 'pending' }, 'state'], [{ state: 'failed' }, 'lastError'], [{ lastError: 'x' }, 'lastError'], [{ finishedAt: -1 }, 'finishedAt'], [{ id: 'a b' }, 'id']] as const) {
          await assert.rejects(store.recordAlertDelivery({ ...good, ...over } as never), isInput(field), JSON.stringify(over));
        }
        assert.equal((await store.listAlertDeliveries()).items.length, 3, 'nothing refused was written');
      }));

    it('pages oldest first with a cursor and filters by channel; limit is bounded', () =>
      withStore(open, async (store) => {
        await store.enqueueAlertDeliveries(Array.from({ length: 5 }, (_, i) => delivery(`p${i}`, { channel: i % 2 === 0 ? 'ops' : 'slack', targetId: `t${i}` })));
        const one = await store.listAlertDeliveries({ limit: 2 });
        assert.deepEqual(ids(one.items), ['p0', 'p1']);
        const two = await store.listAlertDeliveries({ limit: 2, cursor: one.nextCursor });
        assert.deepEqual(ids(two.items), ['p2', 'p3']);
        const three = await store.listAlertDeliveries({ limit: 2, cursor: two.nextCursor });
        assert.deepEqual([ids(three.items), three.nextCursor], [['p4'], null]);
        assert.deepEqual(ids((await store.listAlertDeliveries({ channel: 'slack' })).items), ['p1', 'p3']);
        await assert.rejects(store.listAlertDeliveries({ limit: 0 }), isInput('limit'));
        await assert.rejects(store.listAlertDeliveries({ cursor: 'garbage!' }), isInput('cursor'));
        await assert.rejects(store.listAlertDeliveries({ state: 'lost' as never }), isInput('state'));
      }));

    it('refuses bad deliveries, claims and outcomes naming the field, and writes none of a bad batch', () =>
      withStore(open, async (store) => {
        const bad: Array<[Partial<NewAlertDelivery>, string]> = [
          [{ id: '' }, 'id'],
          [{ id: 'x'.repeat(129) }, 'id'],
          [{ id: 'a b' }, 'id'],
          [{ channel: '' }, 'channel'],
          [{ channel: 'ops\n' }, 'channel'],
          [{ eventType: 5 as never }, 'eventType'],
          [{ targetId: '../x' }, 'targetId'],
          [{ payload: '' }, 'payload'],
          [{ payload: 'x'.repeat(65_537) }, 'payload'],
          [{ createdAt: -1 }, 'createdAt'],
          [{ createdAt: 1.5 }, 'createdAt'],
        ];
        for (const [over, field] of bad) {
          await assert.rejects(store.enqueueAlertDeliveries([delivery('ok-1'), delivery('bad', over)]), isInput(field), JSON.stringify(over).slice(0, 60));
        }
        assert.deepEqual((await store.listAlertDeliveries()).items, [], 'nothing of a refused batch is written');
        await assert.rejects(store.claimAlertDeliveries(claim('n1', T0, 0)), isInput('limit'));
        await assert.rejects(store.claimAlertDeliveries(claim('n1', T0, 1001)), isInput('limit'));
        await assert.rejects(store.claimAlertDeliveries(claim('n1', T0, 10, 0)), isInput('leaseMs'));
        await assert.rejects(store.claimAlertDeliveries(claim('', T0)), isInput('owner'));
        await assert.rejects(store.finishAlertAttempt('x', 'n1', { kind: 'retry', atMs: T0, nextAttemptAt: Number.NaN, error: 'e' }), isInput('outcome.nextAttemptAt'));
        await assert.rejects(store.finishAlertAttempt('x', 'n1', { kind: 'failed', atMs: T0, error: '' }), isInput('outcome.error'));
        await assert.rejects(store.finishAlertAttempt('x', 'n1', { kind: 'lost', atMs: T0 } as never), isInput('outcome.kind'));
      }));

    it('retention deletes finished deliveries older than the raw retention, never pending ones', () =>
      withStore(open, async (store) => {
        const old = T0 - 10 * DAY;
        await store.enqueueAlertDeliveries([delivery('old-ok', { targetId: 'a', createdAt: old }), delivery('old-failed', { targetId: 'b', createdAt: old }), delivery('old-pending', { targetId: 'c', createdAt: old }), delivery('new-ok', { targetId: 'd', createdAt: T0 - DAY })]);
        await store.claimAlertDeliveries(claim('n1', T0 - DAY));
        await store.finishAlertAttempt('old-ok', 'n1', { kind: 'delivered', atMs: old + 1 });
        await store.finishAlertAttempt('old-failed', 'n1', { kind: 'failed', atMs: old + 1, error: 'HTTP 410' });
        await store.finishAlertAttempt('old-pending', 'n1', { kind: 'retry', atMs: old + 1, nextAttemptAt: T0 + DAY, error: 'timeout' });
        await store.finishAlertAttempt('new-ok', 'n1', { kind: 'delivered', atMs: T0 - DAY + 1 });
        const report = await store.applyRetention(T0, { rawRetentionMs: 7 * DAY, rollupRetentionMs: 400 * DAY });
        assert.equal(report.alertDeliveriesDeleted, 2);
        assert.deepEqual(ids((await store.listAlertDeliveries()).items), ['old-pending', 'new-ok']);
      }));

  describe('reminder slots (repeat-notify)', () => {
    const EVERY = 60_000;
    const take = (over: Partial<AlertReminderTake> & { id: string }): AlertReminderTake => ({
      targetId: 'web', openedAt: T0, previousDueAt: null, repeat: 1, dueAt: T0 + EVERY,
      delivery: delivery(over.id, { eventType: 'incident_reminder', createdAt: T0 + EVERY }),
      ...over,
    });

    it('a slot is taken once: the first take enqueues its delivery, a repeat or a stale previousDueAt changes nothing', () =>
      withStore(open, async (store) => {
        const incident = await store.openIncident({ targetId: 'web', openedAt: T0, errorKind: 'timeout', detail: 'no answer', failureCount: 2 });
        assert.deepEqual(await store.listOpenIncidentReminders(), [{ incident, slots: [] }]);
        assert.equal(await store.takeAlertReminder(take({ id: 'r1' })), true);
        assert.equal(await store.takeAlertReminder(take({ id: 'r1-again' })), false, 'the first slot again (another node)');
        assert.deepEqual((await store.listOpenIncidentReminders())[0]?.slots, [{ channel: 'ops', repeat: 1, dueAt: T0 + EVERY }]);
        assert.equal(await store.takeAlertReminder(take({ id: 'r2-stale', previousDueAt: T0 + 1, repeat: 2, dueAt: T0 + 2 * EVERY })), false, 'a stale previous slot');
        assert.equal(await store.takeAlertReminder(take({ id: 'r2', previousDueAt: T0 + EVERY, repeat: 2, dueAt: T0 + 3 * EVERY })), true, 'the next slot (one skipped)');
        assert.equal(await store.takeAlertReminder(take({ id: 'r2-again', previousDueAt: T0 + EVERY, repeat: 2, dueAt: T0 + 3 * EVERY })), false);
        // another channel has its own slots
        assert.equal(await store.takeAlertReminder(take({ id: 'p1', delivery: delivery('p1', { channel: 'pager', eventType: 'incident_reminder' }) })), true);
        const slots = (await store.listOpenIncidentReminders())[0]?.slots.sort((a, b) => a.channel.localeCompare(b.channel));
        assert.deepEqual(slots, [{ channel: 'ops', repeat: 2, dueAt: T0 + 3 * EVERY }, { channel: 'pager', repeat: 1, dueAt: T0 + EVERY }]);
        assert.deepEqual(ids((await store.listAlertDeliveries()).items), ['r1', 'r2', 'p1'], 'one delivery per slot taken, none for a refused take');
      }));

    it('eight takes of one slot at once: exactly one wins and one delivery is enqueued', () =>
      withStore(open, async (store) => {
        await store.openIncident({ targetId: 'web', openedAt: T0, errorKind: 'timeout', detail: null, failureCount: 2 });
        assert.equal(await store.takeAlertReminder(take({ id: 'first' })), true);
        const won = await Promise.all(Array.from({ length: 8 }, (_, n) => store.takeAlertReminder(take({ id: `race-${n}`, previousDueAt: T0 + EVERY, repeat: 2, dueAt: T0 + 2 * EVERY }))));
        assert.equal(won.filter(Boolean).length, 1, JSON.stringify(won));
        assert.equal((await store.listAlertDeliveries()).items.length, 2);
      }));

    it('a closed incident takes no slot and is not listed; retention drops its slots; an open one keeps them', () =>
      withStore(open, async (store) => {
        const web = await store.openIncident({ targetId: 'web', openedAt: T0, errorKind: 'timeout', detail: null, failureCount: 2 });
        const api = await store.openIncident({ targetId: 'api', openedAt: T0 + 5, errorKind: 'timeout', detail: null, failureCount: 2 });
        assert.equal(await store.takeAlertReminder(take({ id: 'w1' })), true);
        assert.equal(await store.takeAlertReminder(take({ id: 'a1', targetId: 'api', openedAt: T0 + 5, dueAt: T0 + 5 + EVERY, delivery: delivery('a1', { targetId: 'api' }) })), true);
        await store.closeIncident(web.id, T0 + 90_000);
        assert.equal(await store.takeAlertReminder(take({ id: 'w2', previousDueAt: T0 + EVERY, repeat: 2, dueAt: T0 + 2 * EVERY })), false, 'closed');
        assert.equal(await store.takeAlertReminder(take({ id: 'old', openedAt: T0 - 1, dueAt: T0 + EVERY })), false, 'no such incident (an earlier opening)');
        assert.deepEqual((await store.listOpenIncidentReminders()).map((r) => [r.incident.id, r.slots.length]), [[api.id, 1]]);
        await store.applyRetention(T0 + 2 * DAY, { rawRetentionMs: 7 * DAY, rollupRetentionMs: 400 * DAY });
        assert.deepEqual((await store.listOpenIncidentReminders()).map((r) => [r.incident.id, r.slots]), [[api.id, [{ channel: 'ops', repeat: 1, dueAt: T0 + 5 + EVERY }]]]);
        // the same target opens again: its slots start afresh
        const again = await store.openIncident({ targetId: 'web', openedAt: T0 + 100_000, errorKind: 'timeout', detail: null, failureCount: 2 });
        assert.deepEqual((await store.listOpenIncidentReminders()).find((r) => r.incident.id === again.id)?.slots, []);
      }));

    it('pages the open incidents oldest first (opened, then id), each page with only its own slots', () =>
      withStore(open, async (store) => {
        // pairs opened in the same ms: the id orders them; one closed incident in the middle
        const opened: Incident[] = [];
        for (let i = 0; i < MAX_REMINDER_INCIDENTS + 3; i++) opened.push(await store.openIncident({ targetId: `t${i}`, openedAt: T0 + Math.floor(i / 2), errorKind: 'timeout', detail: null, failureCount: 2 }));
        const closed = opened[500] as Incident;
        await store.closeIncident(closed.id, T0 + 10_000);
        const tail = opened[MAX_REMINDER_INCIDENTS + 2] as Incident;
        assert.equal(await store.takeAlertReminder(take({ id: 'tail', targetId: tail.targetId, openedAt: tail.openedAt, dueAt: tail.openedAt + EVERY, delivery: delivery('tail', { targetId: tail.targetId }) })), true);
        const first = await store.listOpenIncidentReminders();
        assert.equal(first.length, MAX_REMINDER_INCIDENTS);
        const last = (first[first.length - 1] as OpenIncidentReminders).incident;
        const second = await store.listOpenIncidentReminders({ openedAt: last.openedAt, id: last.id });
        const expected = opened.filter((i) => i.id !== closed.id).map((i) => i.id);
        assert.deepEqual([...first, ...second].map((r) => r.incident.id), expected, 'every open incident once, in order');
        assert.equal(second.length, 2);
        assert.deepEqual(first.flatMap((r) => r.slots), [], 'the slot of an incident on the next page is not on this one');
        assert.deepEqual(second.map((r) => r.slots.length), [0, 1]);
        assert.deepEqual(await store.listOpenIncidentReminders({ openedAt: tail.openedAt, id: tail.id }), [], 'after the last: nothing');
      }));

    it('refuses a take whose slot and delivery disagree, or that does not move forward, naming the field', () =>
      withStore(open, async (store) => {
        await store.openIncident({ targetId: 'web', openedAt: T0, errorKind: 'timeout', detail: null, failureCount: 2 });
        await assert.rejects(store.takeAlertReminder(take({ id: 'x', delivery: delivery('x', { targetId: 'api' }) })), isInput('delivery.targetId'));
        await assert.rejects(store.takeAlertReminder(take({ id: 'x', previousDueAt: T0 + EVERY, dueAt: T0 + EVERY })), isInput('dueAt'));
        await assert.rejects(store.takeAlertReminder(take({ id: 'x', dueAt: T0 })), isInput('dueAt'));
        await assert.rejects(store.takeAlertReminder(take({ id: 'x', repeat: 0 })), isInput('repeat'));
        await assert.rejects(store.takeAlertReminder(take({ id: 'x', openedAt: -1 })), isInput('openedAt'));
        await assert.rejects(store.takeAlertReminder(take({ id: 'bad id!' })), isInput('id'));
        assert.deepEqual((await store.listAlertDeliveries()).items, [], 'nothing written');
      }));

    it('refuses a page start that is not an incident\'s openedAt and id, naming the field', () =>
      withStore(open, async (store) => {
        await store.openIncident({ targetId: 'web', openedAt: T0, errorKind: 'timeout', detail: null, failureCount: 2 });
        const bad = (after: unknown) => store.listOpenIncidentReminders(after as { openedAt: number; id: number });
        await assert.rejects(bad({ openedAt: Number.NaN, id: 1 }), isInput('after.openedAt'));
        await assert.rejects(bad({ openedAt: '0 OR 1=1', id: 1 }), isInput('after.openedAt'));
        await assert.rejects(bad({ openedAt: -5, id: 1 }), isInput('after.openedAt'));
        await assert.rejects(bad({ openedAt: T0, id: 1.5 }), isInput('after.id'));
        await assert.rejects(bad({ openedAt: T0, id: Number.MAX_SAFE_INTEGER + 2 }), isInput('after.id'));
        await assert.rejects(bad({ openedAt: T0 }), isInput('after.id'));
        await assert.rejects(bad('web'), isInput('after'));
        assert.equal((await store.listOpenIncidentReminders(undefined)).length, 1, 'no start: from the oldest');
      }));
  });
  });
}
