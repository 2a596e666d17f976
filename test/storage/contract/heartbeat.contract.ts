import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_TIMINGS, type CheckResult } from '../../../src/domain/check-result.js';
import type { CheckInput } from '../../../src/domain/check-spec.js';
import type { StoredResult } from '../../../src/storage/store.js';
import type { StoreFactory } from '../store.contract.js';
import { withStore } from '../store.contract.js';

const NOW = Date.UTC(2025, 5, 15, 12, 30, 0);
const HASH = `sha256:${'ab'.repeat(32)}`;

function beat(startedAt: number, status: 'up' | 'down', errorKind: CheckResult['errorKind'], totalMs: number): StoredResult {
  return {
    targetId: 'backup',
    result: {
      kind: 'heartbeat', target: 'heartbeat:every=1h;grace=1m', startedAt, status, httpVersion: null, statusCode: null, responseBytes: null,
      timings: { ...NO_TIMINGS, totalMs }, errorKind, errorFamily: errorKind === null ? null : 'verdict', errorPhase: null,
      detail: errorKind === null ? null : 'no success or failure reported', connectionReused: false, tls: null,
    },
    dueAt: startedAt, schedulingLagMs: 0, loopDelayMs: 0,
  };
}

/** Heartbeat targets: the token's hash rides in the stored check input; results and incidents are ordinary ones. */
export function heartbeatContract(open: StoreFactory): void {
  describe('heartbeat targets', () => {
    it('keeps the check input with its token hash, and a rotation replaces it', () =>
      withStore(open, async (store) => {
        const input = { kind: 'heartbeat', period: '1h', grace: '1m', tokenHash: HASH } as CheckInput;
        await store.createTarget({ id: 'backup', name: 'Backup', input, intervalMs: 60_000, tags: [], enabled: true, confirmations: 2, source: 'api' }, 1_000);
        assert.deepEqual((await store.getTarget('backup'))?.input, input);
        const rotated = { ...input, tokenHash: `sha256:${'cd'.repeat(32)}` } as CheckInput;
        await store.updateTarget('backup', { input: rotated }, 2_000);
        assert.deepEqual((await store.getTarget('backup'))?.input, rotated);
      }));

    it('stores heartbeat results with their kind, error kind and run duration, and counts them in uptime', () =>
      withStore(open, async (store) => {
        await store.insertResults([beat(NOW - 3_000, 'up', null, 5_000), beat(NOW - 2_000, 'down', 'heartbeat_missed', 0), beat(NOW - 1_000, 'down', 'heartbeat_run_overdue', 60_000)]);
        const page = await store.queryResults({ targetId: 'backup', fromMs: 0, toMs: NOW });
        assert.deepEqual(
          page.items.map((r) => [r.result.kind, r.result.status, r.result.errorKind, r.result.errorFamily, r.result.timings.totalMs, r.result.timings.connectMs]),
          [['heartbeat', 'down', 'heartbeat_run_overdue', 'verdict', 60_000, null], ['heartbeat', 'down', 'heartbeat_missed', 'verdict', 0, null], ['heartbeat', 'up', null, null, 5_000, null]],
        );
        const uptime = await store.uptime('backup', '1h', NOW);
        assert.deepEqual([uptime.total, uptime.up, uptime.down], [3, 1, 2]);
        const incident = await store.openIncident({ targetId: 'backup', openedAt: NOW - 2_000, errorKind: 'heartbeat_missed', detail: 'silence', failureCount: 1 });
        assert.equal((await store.getOpenIncident('backup'))?.errorKind, 'heartbeat_missed');
        await store.closeIncident(incident.id, NOW);
        assert.equal(await store.getOpenIncident('backup'), null);
      }));
  });
}
