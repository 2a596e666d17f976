import type { CheckResult } from '../../src/domain/check-result.js';
import type { Store, StoredResult } from '../../src/storage/store.js';

const HOUR_MS = 3_600_000;

/**
 * Writes 90 hours of results (one every 20 minutes) through the real store, so the uptime
 * bars and the latency chart have history: one hour 5 hours ago is fully down, the rest up,
 * with phase timings that vary smoothly. Complete hours are then rolled up.
 */
export async function seedHistory(store: Store, targetIds: readonly string[], nowMs: number): Promise<void> {
  const startMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS - 89 * HOUR_MS;
  const badHourMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS - 5 * HOUR_MS;
  const batch: StoredResult[] = [];
  for (const targetId of targetIds) {
    for (let at = startMs, i = 0; at < nowMs - 60_000; at += 20 * 60_000, i += 1) {
      const isDown = at >= badHourMs && at < badHourMs + HOUR_MS;
      batch.push({ targetId, result: sample(at, i, isDown), dueAt: at, schedulingLagMs: 1, loopDelayMs: 1 });
    }
  }
  await store.insertResults(batch);
  // The daemon rolls up complete hours periodically; do it once here as it would have.
  await store.rollup(nowMs);
}

function sample(startedAt: number, i: number, isDown: boolean): CheckResult {
  const wave = 1 + Math.sin(i / 5);
  const timings = isDown
    ? { dnsMs: 0.4, connectMs: null, tlsMs: null, ttfbMs: null, receiveMs: null, totalMs: 0.9 }
    : { dnsMs: 2 + wave, connectMs: 5 + 2 * wave, tlsMs: null, ttfbMs: 20 + 10 * wave, receiveMs: 3 + wave, totalMs: 32 + 14 * wave };
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
    tls: null,
  };
}
