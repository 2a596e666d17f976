import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckStatus } from '../../../src/domain/check-result.js';
import type { StoredResult, UptimeWindow } from '../../../src/storage/store.js';
import { StoreInputError, UPTIME_WINDOW_MS } from '../../../src/storage/store.js';
import { httpResult, tcpRefused } from '../store.fixtures.js';
import type { StoreFactory } from '../store.contract.js';
import { withStore } from '../store.contract.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 5, 15, 12, 30, 0);

function spread(fromMs: number, statuses: CheckStatus[], stepMs = 60_000): StoredResult[] {
  return statuses.map((status, i) => httpResult(fromMs + i * stepMs, { status, ttfbMs: 10 + i }));
}

export function summariesContract(open: StoreFactory): void {
  describe('uptime, latency, rollups, retention', () => {
    it('computes uptime per window, counting degraded as up', () =>
      withStore(open, async (store) => {
        const recent = spread(NOW - 30 * 60_000, ['up', 'up', 'up', 'up', 'up', 'up', 'degraded', 'degraded', 'down', 'error']);
        const older = spread(NOW - 5 * HOUR, ['down', 'down', 'up', 'up', 'up', 'up', 'up', 'up', 'up', 'up']);
        await store.insertResults([...recent, ...older]);
        const hour = await store.uptime('web', '1h', NOW);
        assert.deepEqual(
          { total: hour.total, up: hour.up, degraded: hour.degraded, down: hour.down, error: hour.error, pct: hour.uptimePct },
          { total: 10, up: 8, degraded: 2, down: 1, error: 1, pct: 80 },
        );
        assert.equal(hour.fromMs, NOW - HOUR);
        assert.equal(hour.approximate, false);
        const day = await store.uptime('web', '24h', NOW);
        assert.deepEqual([day.total, day.up, day.down], [20, 16, 3]);
        const none = await store.uptime('other', '30d', NOW);
        assert.deepEqual([none.total, none.uptimePct], [0, null]);
      }));

    it('uptime from the rollups plus the raw head and tail equals counting every raw result, maintenance left out', () =>
      withStore(open, async (store) => {
        // every 13 min over 100 days (windows start and end mid-hour), statuses in a 13-step
        // pattern, one stretch of 3 days inside maintenance; plus results right on the edges
        const STATUSES: CheckStatus[] = ['up', 'up', 'down', 'up', 'degraded', 'up', 'error', 'up', 'up', 'down', 'up', 'degraded', 'up'];
        const batch: StoredResult[] = [];
        const firstMs = NOW - 100 * DAY;
        for (let at = firstMs, i = 0; at < NOW + HOUR; at += 13 * 60_000, i += 1) {
          const r = httpResult(at, { status: STATUSES[i % STATUSES.length] as CheckStatus });
          batch.push(at >= NOW - 9 * DAY && at < NOW - 6 * DAY ? { ...r, inMaintenance: true } : r);
        }
        for (const at of [NOW - 7 * DAY, NOW - 7 * DAY - 1, NOW - DAY, NOW - 1, NOW]) batch.push(httpResult(at, { status: 'down' }));
        await store.insertResults(batch);
        const rawCount = (w: UptimeWindow) => {
          const inside = batch.filter((r) => r.result.startedAt >= NOW - UPTIME_WINDOW_MS[w] && r.result.startedAt < NOW);
          const counted = inside.filter((r) => r.inMaintenance !== true);
          const n = (s: CheckStatus) => counted.filter((r) => r.result.status === s).length;
          const up = n('up') + n('degraded');
          return { total: counted.length, up, degraded: n('degraded'), down: n('down'), error: n('error'), maintenance: inside.length - counted.length, uptimePct: counted.length === 0 ? null : (up / counted.length) * 100, approximate: false };
        };
        const shown = (s: Awaited<ReturnType<typeof store.uptime>>) => ({ total: s.total, up: s.up, degraded: s.degraded, down: s.down, error: s.error, maintenance: s.maintenance, uptimePct: s.uptimePct, approximate: s.approximate });
        const windows = Object.keys(UPTIME_WINDOW_MS) as UptimeWindow[];
        const before = await Promise.all(windows.map((w) => store.uptime('web', w, NOW)));
        windows.forEach((w, i) => assert.deepEqual(shown(before[i]!), rawCount(w), `raw only, ${w}`));
        await store.rollup(NOW);
        for (const w of windows) assert.deepEqual(shown(await store.uptime('web', w, NOW)), rawCount(w), `rollups + raw, ${w}`);
        assert.ok(rawCount('7d').maintenance > 0 && rawCount('24h').maintenance === 0, 'the data exercises maintenance');
        // a window that ended in the past uses no hour after it
        const earlier = NOW - 2 * DAY - 17 * 60_000;
        const pastWindow = await store.uptime('web', '24h', earlier);
        const expected = batch.filter((r) => r.result.startedAt >= earlier - DAY && r.result.startedAt < earlier);
        assert.equal(pastWindow.total, expected.length);
      }));

    it('gives exact nearest-rank latency percentiles per phase from raw results', () =>
      withStore(open, async (store) => {
        const batch: StoredResult[] = [];
        for (let i = 1; i <= 100; i += 1) batch.push(httpResult(NOW - HOUR + i * 1_000, { ttfbMs: i }));
        batch.push(tcpRefused(NOW - 1_000, 'web'));
        await store.insertResults(batch);
        const lat = await store.latency('web', NOW - HOUR, NOW);
        assert.equal(lat.approximate, false);
        const ttfb = lat.phases.ttfb;
        assert.deepEqual([ttfb.count, ttfb.minMs, ttfb.p50Ms, ttfb.p90Ms, ttfb.p95Ms, ttfb.p99Ms, ttfb.maxMs], [100, 1, 50, 90, 95, 99, 100]);
        assert.equal(ttfb.meanMs, 50.5);
        // the refused connect has a connect phase but no ttfb/tls/dns
        assert.equal(lat.phases.connect.count, 101);
        assert.equal(lat.phases.tls.count, 100);
        assert.equal(lat.phases.total.count, 101);
        const empty = await store.latency('web', NOW, NOW + HOUR);
        assert.deepEqual(empty.phases.ttfb, { count: 0, minMs: null, meanMs: null, p50Ms: null, p90Ms: null, p95Ms: null, p99Ms: null, maxMs: null });
      }));

    it('24 h latency of one target among others (read from the covering index) equals a raw computation, before and after the rollup', () =>
      withStore(open, async (store) => {
        // three targets checked every 60 s over 30 h, interleaved as a fleet writes them (one
        // target's rows spread among the others'); timings vary to the microsecond; every 17th
        // result of web a refused TCP connect (dns/tls/ttfb/receive missing), a stretch in maintenance
        const batch: StoredResult[] = [];
        const firstMs = NOW - 30 * HOUR;
        for (let at = firstMs, i = 0; at < NOW + HOUR; at += 60_000, i += 1) {
          for (const targetId of ['api', 'web', 'db']) {
            const ttfbMs = ((i * 7_919 + targetId.length * 104_729) % 250_000) / 1_000;
            const r = targetId === 'web' && i % 17 === 0 ? tcpRefused(at, 'web') : httpResult(at + targetId.length, { targetId, ttfbMs, status: i % 11 === 0 ? 'down' : 'up' });
            batch.push(at >= NOW - 5 * HOUR && at < NOW - 4 * HOUR ? { ...r, inMaintenance: true } : r);
          }
        }
        await store.insertResults(batch);
        const fromMs = NOW - DAY - 17 * 60_000 - 500;
        const toMs = NOW - 3 * 60_000 + 250;
        const inside = batch.filter((r) => r.targetId === 'web' && r.result.startedAt >= fromMs && r.result.startedAt < toMs);
        const FIELDS = { dns: 'dnsMs', connect: 'connectMs', tls: 'tlsMs', ttfb: 'ttfbMs', receive: 'receiveMs', total: 'totalMs' } as const;
        const expected = (phase: keyof typeof FIELDS) => {
          // timings are kept to the microsecond (docs/storage.md, "Results")
          const v = inside.map((r) => r.result.timings[FIELDS[phase]]).filter((x): x is number => x !== null).map((x) => Math.round(x * 1_000) / 1_000).sort((a, b) => a - b);
          const rank = (p: number) => v[Math.max(1, Math.ceil(p * v.length)) - 1];
          return { count: v.length, minMs: v[0], p50Ms: rank(0.5), p90Ms: rank(0.9), p95Ms: rank(0.95), p99Ms: rank(0.99), maxMs: v[v.length - 1], meanMs: v.reduce((a, b) => a + b, 0) / v.length };
        };
        for (const when of ['raw only', 'after the rollup']) {
          if (when === 'after the rollup') await store.rollup(NOW);
          const lat = await store.latency('web', fromMs, toMs);
          assert.equal(lat.approximate, false, when);
          for (const phase of Object.keys(FIELDS) as Array<keyof typeof FIELDS>) {
            const { meanMs, ...exact } = expected(phase);
            const got = lat.phases[phase];
            assert.deepEqual({ count: got.count, minMs: got.minMs, p50Ms: got.p50Ms, p90Ms: got.p90Ms, p95Ms: got.p95Ms, p99Ms: got.p99Ms, maxMs: got.maxMs }, exact, `${when}, ${phase}`);
            assert.ok(Math.abs((got.meanMs as number) - meanMs) <= 1e-9 * meanMs, `${when}, ${phase} mean ${got.meanMs} vs ${meanMs}`);
          }
          assert.ok(expected('ttfb').count < expected('connect').count && expected('connect').count > 1_400, 'the data exercises missing phases and a full day');
        }
      }));

    it('rolls up complete hours: counts per status and per-phase aggregates', () =>
      withStore(open, async (store) => {
        const h0 = Math.floor((NOW - 3 * HOUR) / HOUR) * HOUR;
        await store.insertResults([...spread(h0, ['up', 'down', 'degraded', 'error', 'up']), ...spread(h0 + HOUR, ['up', 'up'])]);
        await store.insertResults([httpResult(NOW - 60_000)]);
        const report = await store.rollup(NOW);
        assert.deepEqual(report, { hours: 2, rows: 2, watermarkMs: Math.floor((NOW - 5 * 60_000) / HOUR) * HOUR });
        const rollups = await store.listRollups('web', h0, NOW);
        assert.deepEqual(rollups.map((r) => [r.hourStartMs, r.up, r.degraded, r.down, r.error]), [[h0, 2, 1, 1, 1], [h0 + HOUR, 2, 0, 0, 0]]);
        const ttfb = rollups[0]?.phases.ttfb;
        assert.deepEqual([ttfb?.count, ttfb?.minMs, ttfb?.maxMs, ttfb?.sumMs], [5, 10, 14, 60]);
        assert.equal(rollups[0]?.phases.dns.count, 5);
        // idempotent: nothing new to roll up
        assert.equal((await store.rollup(NOW)).hours, 0);
      }));

    it('keeps 30 d uptime and latency whole after raw retention, from rollups', () =>
      withStore(open, async (store) => {
        const old = spread(NOW - 20 * DAY, ['up', 'up', 'down', 'up'], 10 * 60_000);
        const mid = spread(NOW - 10 * DAY, ['up', 'error'], 10 * 60_000);
        const recent = spread(NOW - 2 * HOUR, ['up', 'up', 'degraded', 'down']);
        await store.insertResults([...old, ...mid, ...recent]);
        const before = await store.uptime('web', '30d', NOW);
        const latencyBefore = await store.latency('web', NOW - 30 * DAY, NOW);
        // retention before a rollup must not delete anything
        assert.equal((await store.applyRetention(NOW, { rawRetentionMs: 7 * DAY, rollupRetentionMs: 400 * DAY })).rawDeleted, 0);
        await store.rollup(NOW);
        const retention = await store.applyRetention(NOW, { rawRetentionMs: 7 * DAY, rollupRetentionMs: 400 * DAY });
        assert.equal(retention.rawDeleted, 6);
        assert.equal((await store.sizeReport()).rawResults, 4);
        const after = await store.uptime('web', '30d', NOW);
        assert.deepEqual([after.total, after.up, after.down, after.error, after.approximate], [before.total, before.up, before.down, before.error, true]);
        assert.equal(after.total, 10);
        const latencyAfter = await store.latency('web', NOW - 30 * DAY, NOW);
        assert.equal(latencyAfter.approximate, true);
        assert.equal(latencyAfter.phases.ttfb.count, latencyBefore.phases.ttfb.count);
        for (const p of ['p50Ms', 'p90Ms', 'p99Ms'] as const) {
          const exact = latencyBefore.phases.ttfb[p] as number;
          const approx = latencyAfter.phases.ttfb[p] as number;
          assert.ok(Math.abs(approx - exact) / exact <= 0.05, `${p}: ${approx} vs exact ${exact}`);
        }
        // 1 h and 24 h windows are still served from raw rows, exactly
        assert.equal((await store.uptime('web', '24h', NOW)).approximate, false);
      }));

    it('drops rollups and closed incidents past the rollup retention; refuses a bad policy', () =>
      withStore(open, async (store) => {
        await store.insertResults(spread(NOW - 50 * DAY, ['up', 'down']));
        await store.insertResults(spread(NOW - 3 * HOUR, ['up']));
        await store.rollup(NOW);
        const closed = await store.openIncident({ targetId: 'web', openedAt: NOW - 50 * DAY, errorKind: 'timeout', detail: null, failureCount: 2 });
        await store.closeIncident(closed.id, NOW - 49 * DAY);
        await store.openIncident({ targetId: 'web', openedAt: NOW - 48 * DAY, errorKind: 'timeout', detail: null, failureCount: 2 });
        const report = await store.applyRetention(NOW, { rawRetentionMs: 7 * DAY, rollupRetentionMs: 30 * DAY });
        assert.deepEqual(report, { rawDeleted: 2, rollupsDeleted: 1, incidentsDeleted: 1, alertDeliveriesDeleted: 0, heartbeatPushesDeleted: 0 });
        assert.deepEqual((await store.listRollups('web', 0, NOW)).length, 1);
        assert.equal((await store.listIncidents()).items.length, 1, 'an open incident is never deleted');
        await assert.rejects(store.applyRetention(NOW, { rawRetentionMs: 0, rollupRetentionMs: DAY }), (e: unknown) => e instanceof StoreInputError && e.field === 'rawRetentionMs');
      }));
  });
}
