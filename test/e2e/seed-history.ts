import type { CheckResult, TlsInfo } from '../../src/domain/check-result.js';
import type { Store, StoredResult } from '../../src/storage/store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** the UTC day, counted back from today, that is fully down: inside 90 days and inside 90 hours at any time of day */
const DOWN_DAY_AGO = 2;
/** the UTC day, counted back from today, whose checks all ran inside a maintenance window (and failed) */
const MAINTENANCE_DAY_AGO = 5;

interface SeedOptions {
  /** TLS details to put on every good result of a target (a certificate on its page) */
  readonly tls?: Readonly<Record<string, TlsInfo>>;
}

/**
 * Writes 90 UTC days of results through the real store, aligned to UTC days so what a test
 * asserts does not depend on the time of day it runs: one every 2 h, one every 20 min in
 * the last 96 h. Day −2 is fully down (1 bad daily bar, 24 bad hourly bars), day −5 fully
 * down inside maintenance (a maintenance bar, left out of uptime), the rest up with phase
 * timings that vary smoothly. Complete hours are then rolled up, as the daemon would.
 */
export async function seedHistory(store: Store, targetIds: readonly string[], nowMs: number, options: SeedOptions = {}): Promise<void> {
  const todayMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const startMs = todayMs - 89 * DAY_MS;
  const denseFromMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS - 96 * HOUR_MS;
  const downDayMs = todayMs - DOWN_DAY_AGO * DAY_MS;
  const maintenanceDayMs = todayMs - MAINTENANCE_DAY_AGO * DAY_MS;
  const batch: StoredResult[] = [];
  for (const targetId of targetIds) {
    let i = 0;
    for (let at = startMs; at < nowMs - 60_000; at += at >= denseFromMs ? 20 * 60_000 : 2 * HOUR_MS, i += 1) {
      const isDown = (at >= downDayMs && at < downDayMs + DAY_MS) || (at >= maintenanceDayMs && at < maintenanceDayMs + DAY_MS);
      const inMaintenance = at >= maintenanceDayMs && at < maintenanceDayMs + DAY_MS;
      const stored: StoredResult = { targetId, result: sample(at, i, isDown, options.tls?.[targetId] ?? null), dueAt: at, schedulingLagMs: 1, loopDelayMs: 1 };
      batch.push(inMaintenance ? { ...stored, inMaintenance: true } : stored);
    }
  }
  await store.insertResults(batch);
  await store.rollup(nowMs);
}

function sample(startedAt: number, i: number, isDown: boolean, tls: TlsInfo | null): CheckResult {
  const wave = 1 + Math.sin(i / 5);
  const timings = isDown
    ? { dnsMs: 0.4, connectMs: null, tlsMs: null, ttfbMs: null, receiveMs: null, totalMs: 0.9 }
    : { dnsMs: 2 + wave, connectMs: 5 + 2 * wave, tlsMs: tls === null ? null : 9 + 3 * wave, ttfbMs: 20 + 10 * wave, receiveMs: 3 + wave, totalMs: 32 + 14 * wave + (tls === null ? 0 : 9 + 3 * wave) };
  return {
    kind: 'http',
    target: 'http://127.0.0.1/',
    startedAt,
    status: isDown ? 'down' : 'up',
    httpVersion: isDown ? null : '1.1',
    statusCode: isDown ? null : 200,
    responseBytes: isDown ? null : 2,
    timings,
    errorKind: isDown ? 'connection_refused' : null,
    errorFamily: isDown ? 'transport' : null,
    errorPhase: isDown ? 'connect' : null,
    detail: isDown ? 'connect ECONNREFUSED 127.0.0.1:1' : null,
    connectionReused: false,
    tls: isDown ? null : tls,
  };
}
