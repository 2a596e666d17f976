import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readStoredResults, startServe, startTargetServer, targetsYaml, tempDir, waitFor, writeConfig } from './helpers.js';

const IDS = Array.from({ length: 30 }, (_, i) => `t${i}`);

test('SIGTERM with checks in flight: they finish, every result is stored, exit 0', async () => {
  const slow = await startTargetServer(1_500);
  const dir = tempDir('sigterm');
  try {
    const config = writeConfig(dir, targetsYaml(IDS.length, slow.url, 'interval: 2s\n    timeout: 2s'));
    const serve = await startServe(['--config', config, '--port', '0', '--data-dir', dir]);
    await waitFor(() => slow.received - slow.answered >= 5, 15_000, 'checks in flight');
    const inFlightAtSignal = slow.received - slow.answered;
    serve.child.kill('SIGTERM');
    const code = await serve.exited;
    assert.equal(code, 0, serve.output.join(''));
    const results = await readStoredResults(join(dir, 'vigil.db'), IDS);
    // Every request the server saw was a check; each one must have become a stored result.
    assert.ok(inFlightAtSignal >= 5);
    assert.equal(slow.answered, slow.received, 'the checks in flight were allowed to finish');
    assert.equal(results.length, slow.received, `stored ${results.length} of ${slow.received} checks`);
    assert.deepEqual([...new Set(results.map((r) => r.result.status))], ['up'], 'no check was aborted');
    for (const r of results) {
      assert.ok(r.schedulingLagMs >= 0 && r.loopDelayMs >= 0);
      assert.ok(r.result.timings.ttfbMs !== null && r.result.timings.ttfbMs >= 1_400, 'the slow answer was waited for');
    }
  } finally {
    await slow.close();
  }
});
