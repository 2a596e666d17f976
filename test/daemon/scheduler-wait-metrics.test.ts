/**
 * /metrics of a real daemon whose in-flight cap is full: the scheduler's waiting gauge and
 * waited counter carry real values, not only their names (the API fixture's TestDaemon
 * reports zeros). Four targets every second against a server that answers in 300 ms, under
 * `probe.maxInFlight: 1`: 1.2 s of checks per second for one place, so due checks wait.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTargetServer, targetsYaml, tempDir, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

function metricValue(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? null : Number(line.slice(name.length + 1));
}

test('a full in-flight cap shows on /metrics: vigil_checks_waiting seen above 0, vigil_checks_waited_total counts', async () => {
  const target = await startTargetServer(300);
  const dir = tempDir('wait-metrics');
  const config = targetsYaml(4, target.url).replace('defaults:', 'probe:\n  maxInFlight: 1\ndefaults:');
  const running = await startInProcess(writeConfig(dir, config), dir);
  try {
    let maxWaiting = 0;
    let waited = 0;
    const until = performance.now() + 8_000;
    while (performance.now() < until && (maxWaiting === 0 || waited === 0)) {
      const text = await (await fetch(`${running.api.url}/metrics`)).text();
      const waiting = metricValue(text, 'vigil_checks_waiting');
      const waitedTotal = metricValue(text, 'vigil_checks_waited_total');
      assert.notEqual(waiting, null, 'vigil_checks_waiting is exported');
      assert.notEqual(waitedTotal, null, 'vigil_checks_waited_total is exported');
      maxWaiting = Math.max(maxWaiting, waiting as number);
      waited = waitedTotal as number;
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    assert.equal(maxWaiting, 1, `waiting peaked at ${maxWaiting} (at most maxInFlight = 1 may wait)`);
    assert.ok(waited >= 1, `waited_total ${waited}`);
    assert.ok(target.received >= 2, `the server saw ${target.received} checks`);
  } finally {
    await running.stop();
    await target.close();
  }
});
