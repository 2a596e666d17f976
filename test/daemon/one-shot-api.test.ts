/**
 * `POST /api/v1/targets/test` on a daemon that has just started: the daemon warms its check
 * paths before its API listens, so the one-shot check's phases do not carry the process's
 * first-use costs. Structural assertions only (order, presence, sum ≤ total); how close the
 * phases come to curl's is measured by scripts/compare-curl.mjs (docs/performance.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTargetServer, tempDir, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

test('a fresh daemon warms up before its API listens; a tested spec has every phase it took, inside totalMs', async () => {
  const target = await startTargetServer();
  const dir = tempDir('one-shot-api');
  const running = await startInProcess(writeConfig(dir, 'defaults:\n  allowPrivateTargets: true\ntargets: []\n'), dir);
  try {
    const warmUpLine = running.log.lines.findIndex((l) => l.startsWith('info warm-up:'));
    const listening = running.log.lines.findIndex((l) => l.startsWith('info vigil serve:'));
    assert.equal(running.log.lines[warmUpLine], 'info warm-up: http up, https up, tcp up');
    assert.equal(running.log.lines[warmUpLine + 1], "info executor: fresh plain HTTP/1.1 on libuv's TCP handle");
    assert.ok(warmUpLine < listening, 'the warm-up was done before the API listened');

    const res = await fetch(`${running.api.url}/api/v1/targets/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'probe', check: { url: `${target.url}/` } }),
    });
    assert.equal(res.status, 200);
    const { result } = (await res.json()) as { result: { status: string; timings: Record<string, number | null> } };
    assert.equal(result.status, 'up');
    assert.equal(target.received, 1, 'the warm-up never touched the target');
    const t = result.timings;
    assert.equal(t.dnsMs, null);
    assert.equal(t.tlsMs, null);
    for (const phase of ['connectMs', 'ttfbMs', 'receiveMs', 'totalMs']) assert.equal(typeof t[phase], 'number', phase);
    const sum = (t.connectMs as number) + (t.ttfbMs as number) + (t.receiveMs as number);
    assert.ok(sum <= (t.totalMs as number), `phases ${sum} ms fit inside total ${t.totalMs} ms`);
  } finally {
    await running.stop();
    await target.close();
  }
});
