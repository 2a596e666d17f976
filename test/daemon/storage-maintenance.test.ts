import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createMemoryLogger } from '../../src/daemon/logger.js';
import { startDaemon } from '../../src/daemon/main.js';
import { httpResult } from '../storage/store.fixtures.js';
import { startTargetServer, tempDir, waitFor, writeConfig } from './helpers.js';

const HOUR_MS = 3_600_000;
const floorHour = (ms: number) => ms - (ms % HOUR_MS);

test('a running daemon builds hourly rollups and applies the configured retention', async () => {
  const server = await startTargetServer();
  const dir = tempDir('maintenance');
  const config = writeConfig(
    dir,
    [
      'defaults: { allowPrivateTargets: true }',
      'storage: { rawRetention: 1d, rollupRetention: 2d, maintenanceEvery: 1s }',
      'targets:',
      `  - { id: t0, name: t0, check: { url: "${server.url}/t0" }, interval: 1s }`,
      '',
    ].join('\n'),
  );
  // The maintenance clock, moved forward later so the current hour counts as finished.
  let shiftMs = 0;
  const log = createMemoryLogger();
  const running = await startDaemon({
    configText: readFileSync(config, 'utf8'), configSource: config, host: '127.0.0.1', port: 0, dataDir: dir,
    token: null, env: {}, log, readConfig: null, maintenanceNowMs: () => Date.now() + shiftMs,
  });
  const { store } = running.daemon;
  try {
    const now = Date.now();
    const hourAgo30 = floorHour(now - 30 * HOUR_MS);
    const hourAgo72 = floorHour(now - 72 * HOUR_MS);
    await store.insertResults([httpResult(hourAgo30 + 60_000, { targetId: 't0' }), httpResult(hourAgo72 + 60_000, { targetId: 't0', status: 'down' })]);

    // 30 h old: rolled up, then its raw row deleted (rawRetention 1d; the default 7d would keep it).
    await waitFor(async () => (await store.listRollups('t0', hourAgo30, hourAgo30 + HOUR_MS)).length === 1, 10_000, 'the rollup of the hour 30 h ago');
    const [old] = await store.listRollups('t0', hourAgo30, hourAgo30 + HOUR_MS);
    assert.deepEqual([old?.up, old?.down], [1, 0]);
    await waitFor(async () => (await store.queryResults({ targetId: 't0', fromMs: hourAgo30, toMs: hourAgo30 + HOUR_MS })).items.length === 0, 10_000, 'raw retention');
    // 72 h old: rolled up and its rollup deleted too (rollupRetention 2d).
    assert.equal((await store.listRollups('t0', hourAgo72, hourAgo72 + HOUR_MS)).length, 0);
    assert.equal((await store.queryResults({ targetId: 't0', fromMs: hourAgo72, toMs: hourAgo72 + HOUR_MS })).items.length, 0);

    // Live results of the current hour are rolled up once the hour is over.
    await waitFor(async () => (await store.queryResults({ targetId: 't0', fromMs: floorHour(now), toMs: Date.now() + 1 })).items.length >= 3, 15_000, '3 live results');
    const liveStored = (await store.queryResults({ targetId: 't0', fromMs: 0, toMs: Date.now() + 1 })).items.length;
    shiftMs = 2 * HOUR_MS;
    const hours = new Set([floorHour(now), floorHour(Date.now())]);
    const liveRollups = async () => (await store.listRollups('t0', floorHour(now), floorHour(Date.now()) + HOUR_MS)).filter((r) => hours.has(r.hourStartMs));
    await waitFor(async () => (await liveRollups()).length > 0, 10_000, 'the rollup of the current hour');
    const up = (await liveRollups()).reduce((sum, r) => sum + r.up, 0);
    assert.ok(up >= liveStored, `rollup counts ${up} up results, at least the ${liveStored} stored before`);
    assert.ok(log.lines.some((l) => l.includes('storage maintenance:')), 'the job reports what it did');
  } finally {
    await running.stop();
    await server.close();
  }
});
