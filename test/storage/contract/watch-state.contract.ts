import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckInput } from '../../../src/domain/check-spec.js';
import { StoreInputError, type HeartbeatState, type NewHeartbeatSignal, type NewTarget } from '../../../src/storage/store.js';
import type { StoreFactory } from '../store.contract.js';
import { withStore } from '../store.contract.js';

const NOW = Date.UTC(2025, 5, 15, 12, 30, 0);
const state = (targetId: string, region: string, over: Partial<HeartbeatState> = {}): HeartbeatState => ({
  targetId, region, lastSeenAt: null, runStartedAt: null, missedAt: null, sinceAt: NOW, signalSeq: 0, ...over,
});
const signal = (targetId: string, type: NewHeartbeatSignal['type'], at: number, exitCode: number | null = null): NewHeartbeatSignal => ({ targetId, type, exitCode, at });
const beat = (id: string): NewTarget => ({
  id, name: `Beat ${id}`, input: { kind: 'heartbeat', period: '1h', grace: '1m', tokenHash: `sha256:${'ab'.repeat(32)}` } as CheckInput, intervalMs: 60_000, tags: [], enabled: true, confirmations: 1, source: 'api',
});

/** Heartbeat deadlines, pushes for the evaluating node, certificate-warning state: what survives a restart. */
export function watchStateContract(open: StoreFactory): void {
  describe('heartbeat and certificate-warning state', () => {
    it('keeps one heartbeat state per target and region, replaced on put', () =>
      withStore(open, async (store) => {
        assert.deepEqual(await store.listHeartbeatStates('default'), []);
        await store.putHeartbeatState(state('b', 'default', { lastSeenAt: NOW - 5_000, runStartedAt: NOW - 1_000, signalSeq: 3 }));
        await store.putHeartbeatState(state('a', 'default', { missedAt: NOW - 2_000 }));
        await store.putHeartbeatState(state('a', 'europe', { lastSeenAt: NOW }));
        assert.deepEqual(await store.listHeartbeatStates('default'), [state('a', 'default', { missedAt: NOW - 2_000 }), state('b', 'default', { lastSeenAt: NOW - 5_000, runStartedAt: NOW - 1_000, signalSeq: 3 })]);
        await store.putHeartbeatState(state('b', 'default', { lastSeenAt: NOW, signalSeq: 4 }));
        assert.deepEqual((await store.listHeartbeatStates('default'))[1], state('b', 'default', { lastSeenAt: NOW, signalSeq: 4 }));
        assert.deepEqual(await store.listHeartbeatStates('europe'), [state('a', 'europe', { lastSeenAt: NOW })]);
        assert.deepEqual(await store.listHeartbeatStates('asia'), []);
      }));

    it('hands each region the signals past its own state, oldest first, bounded by the limit', () =>
      withStore(open, async (store) => {
        const s1 = await store.appendHeartbeatSignal(signal('a', 'start', NOW));
        const s2 = await store.appendHeartbeatSignal(signal('b', 'fail', NOW + 1, 3));
        const s3 = await store.appendHeartbeatSignal(signal('a', 'success', NOW + 2, 0));
        assert.ok(s1.seq < s2.seq && s2.seq < s3.seq, `increasing seqs ${s1.seq} ${s2.seq} ${s3.seq}`);
        assert.deepEqual(s2, { seq: s2.seq, targetId: 'b', type: 'fail', exitCode: 3, at: NOW + 1 });
        assert.deepEqual(await store.pendingHeartbeatSignals('default', ['a', 'b'], 100), [s1, s2, s3]);
        assert.deepEqual(await store.pendingHeartbeatSignals('default', ['a'], 100), [s1, s3]);
        assert.deepEqual(await store.pendingHeartbeatSignals('default', ['a', 'b'], 2), [s1, s2]);
        assert.deepEqual(await store.pendingHeartbeatSignals('default', [], 100), []);
        // one region applied a's first signal; another region has applied nothing yet
        await store.putHeartbeatState(state('a', 'default', { signalSeq: s1.seq }));
        assert.deepEqual(await store.pendingHeartbeatSignals('default', ['a', 'b'], 100), [s2, s3]);
        assert.deepEqual(await store.pendingHeartbeatSignals('europe', ['a'], 100), [s1, s3]);
        await store.putHeartbeatState(state('a', 'default', { signalSeq: s3.seq }));
        assert.deepEqual(await store.pendingHeartbeatSignals('default', ['a'], 100), []);
      }));

    it('refuses a bad signal or limit naming the field', () =>
      withStore(open, async (store) => {
        const cases: Array<[() => Promise<unknown>, string]> = [
          [() => store.appendHeartbeatSignal(signal('a', 'done' as 'start', NOW)), 'type'],
          [() => store.appendHeartbeatSignal(signal('a', 'fail', NOW, 256)), 'exitCode'],
          [() => store.appendHeartbeatSignal(signal('a', 'fail', NOW, 1.5)), 'exitCode'],
          [() => store.appendHeartbeatSignal(signal('a', 'fail', Number.NaN)), 'at'],
          [() => store.pendingHeartbeatSignals('default', ['a'], 0), 'limit'],
          [() => store.pendingHeartbeatSignals('default', ['a'], 1001), 'limit'],
          [() => store.putCertWarning({ targetId: 'a', level: 'fine' as 'ok', warnedChainExpiresAt: null, updatedAt: NOW }), 'level'],
          [() => store.putCertWarning({ targetId: 'a', level: 'warning', warnedChainExpiresAt: 'soon', updatedAt: NOW }), 'warnedChainExpiresAt'],
        ];
        for (const [call, field] of cases) await assert.rejects(call(), (err: unknown) => err instanceof StoreInputError && err.field === field, field);
        assert.deepEqual(await store.pendingHeartbeatSignals('default', ['a'], 10), []);
        assert.deepEqual(await store.listCertWarnings(), []);
      }));

    it('keeps the certificate-warning state per target, replaced on put', () =>
      withStore(open, async (store) => {
        await store.putCertWarning({ targetId: 'shop', level: 'warning', warnedChainExpiresAt: '2026-01-10T00:00:00.000Z', updatedAt: NOW });
        await store.putCertWarning({ targetId: 'api', level: 'ok', warnedChainExpiresAt: null, updatedAt: NOW });
        await store.putCertWarning({ targetId: 'shop', level: 'critical', warnedChainExpiresAt: '2026-01-10T00:00:00.000Z', updatedAt: NOW + 1 });
        assert.deepEqual(await store.listCertWarnings(), [
          { targetId: 'api', level: 'ok', warnedChainExpiresAt: null, updatedAt: NOW },
          { targetId: 'shop', level: 'critical', warnedChainExpiresAt: '2026-01-10T00:00:00.000Z', updatedAt: NOW + 1 },
        ]);
      }));

    it('deleting a target drops its heartbeat state, its pending signals and its certificate-warning state', () =>
      withStore(open, async (store) => {
        await store.createTarget(beat('gone'), NOW);
        await store.createTarget(beat('kept'), NOW);
        for (const id of ['gone', 'kept']) {
          await store.putHeartbeatState(state(id, 'default', { lastSeenAt: NOW }));
          await store.appendHeartbeatSignal(signal(id, 'success', NOW));
          await store.putCertWarning({ targetId: id, level: 'warning', warnedChainExpiresAt: '2026-01-10T00:00:00.000Z', updatedAt: NOW });
        }
        assert.equal(await store.deleteTarget('gone'), true);
        assert.deepEqual((await store.listHeartbeatStates('default')).map((s) => s.targetId), ['kept']);
        assert.deepEqual((await store.pendingHeartbeatSignals('europe', ['gone', 'kept'], 10)).map((s) => s.targetId), ['kept']);
        assert.deepEqual((await store.listCertWarnings()).map((s) => s.targetId), ['kept']);
      }));

    it('retention drops signals older than the raw retention and counts them', () =>
      withStore(open, async (store) => {
        await store.appendHeartbeatSignal(signal('a', 'success', NOW - 8 * 86_400_000));
        await store.appendHeartbeatSignal(signal('b', 'fail', NOW - 7 * 86_400_000 - 1, 1));
        const fresh = await store.appendHeartbeatSignal(signal('a', 'success', NOW - 1_000));
        assert.equal((await store.applyRetention(NOW)).heartbeatPushesDeleted, 2);
        assert.deepEqual(await store.pendingHeartbeatSignals('default', ['a', 'b'], 10), [fresh]);
        assert.equal((await store.applyRetention(NOW)).heartbeatPushesDeleted, 0);
      }));

    it('a shared push bucket per target: burst, then one per refill on the pushes\' time (never refilled backwards); refused pushes are not appended', () =>
      withStore(open, async (store) => {
        const limit = { burst: 3, refillEveryMs: 1_000 };
        const push = (id: string, at: number) => store.appendHeartbeatSignalWithin(signal(id, 'success', at), limit);
        const outcomes = [await push('a', NOW), await push('a', NOW), await push('a', NOW), await push('a', NOW)];
        assert.deepEqual(outcomes.map((o) => ('waitMs' in o ? o.waitMs : 'appended')), ['appended', 'appended', 'appended', 1_000]);
        assert.deepEqual(await push('a', NOW - 5_000), { waitMs: 1_000 }, 'a clock behind earns nothing');
        assert.equal('appended' in (await push('b', NOW)), true, 'another target has its own bucket');
        assert.equal('appended' in (await push('a', NOW + 1_000)), true, 'one more after one refill');
        assert.deepEqual(await push('a', NOW + 1_500), { waitMs: 500 });
        const appended = await store.pendingHeartbeatSignals('default', ['a', 'b'], 100);
        assert.deepEqual(appended.map((s) => [s.targetId, s.at]), [['a', NOW], ['a', NOW], ['a', NOW], ['b', NOW], ['a', NOW + 1_000]]);
        const first = outcomes[0] as { appended: { seq: number } };
        assert.equal(first.appended.seq, appended[0]?.seq);
      }));

    it('ten pushes to one bucket at once (as from many nodes): exactly the burst is appended', () =>
      withStore(open, async (store) => {
        const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.appendHeartbeatSignalWithin(signal('a', 'success', NOW), { burst: 4, refillEveryMs: 60_000 })));
        assert.equal(outcomes.filter((o) => 'appended' in o).length, 4);
        assert.equal((await store.pendingHeartbeatSignals('default', ['a'], 100)).length, 4);
      }));

    it('refuses a bad bucket limit naming the field, appending nothing', () =>
      withStore(open, async (store) => {
        for (const [limit, field] of [[{ burst: 0, refillEveryMs: 1_000 }, 'burst'], [{ burst: 1.5, refillEveryMs: 1_000 }, 'burst'], [{ burst: 1, refillEveryMs: 0 }, 'refillEveryMs'], [{ burst: 1, refillEveryMs: Number.NaN }, 'refillEveryMs']] as const) {
          await assert.rejects(store.appendHeartbeatSignalWithin(signal('a', 'success', NOW), limit), (e: unknown) => e instanceof StoreInputError && e.field === field);
        }
        await assert.rejects(store.appendHeartbeatSignalWithin(signal('a', 'done' as 'start', NOW), { burst: 1, refillEveryMs: 1 }), (e: unknown) => e instanceof StoreInputError && e.field === 'type');
        assert.deepEqual(await store.pendingHeartbeatSignals('default', ['a'], 10), []);
      }));
  });
}
