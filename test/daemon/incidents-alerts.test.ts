import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/alerts/signature.js';
import type { ScheduledResult } from '../../src/daemon/daemon-handle.js';
import { startTargetServer, tempDir, waitFor, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

const SECRET = 'incident-test-secret-123';

test('an incident opens after 2 bad results, resolves after 2 good ones, and both are delivered signed', async () => {
  const target = await startTargetServer();
  const hooks: Array<{ body: string; signature: string | undefined }> = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push({ body, signature: req.headers['x-vigil-signature'] as string | undefined });
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookPort = (receiver.address() as AddressInfo).port;
  const dir = tempDir('incidents');
  const path = writeConfig(
    dir,
    `alerts:\n  webhooks:\n    - name: ops\n      url: http://127.0.0.1:${hookPort}/hook\n      secretEnv: HOOK_SECRET\n      initialBackoff: 50ms\n` +
      `targets:\n  - id: flappy\n    name: Flappy\n    check: { url: "${target.url}/", expectStatus: "200" }\n    interval: 1s\n    confirmations: 2\n    allowPrivateTargets: true\n`,
  );
  const running = await startInProcess(path, dir, { HOOK_SECRET: SECRET });
  const results: ScheduledResult[] = [];
  running.daemon.onResult((e) => results.push(e));
  const events = () => hooks.map((h) => JSON.parse(h.body) as { type: string; failureCount?: number; errorKind?: string; durationMs?: number });
  try {
    await waitFor(() => results.filter((r) => r.result.status === 'up').length >= 2, 6_000, 'two good results');
    target.status = 500;
    await waitFor(() => events().some((e) => e.type === 'incident_opened'), 8_000, 'incident_opened webhook');
    const bad = results.filter((r) => r.result.status !== 'up');
    assert.ok(bad.length >= 2);
    const opened = events().find((e) => e.type === 'incident_opened')!;
    assert.equal(opened.failureCount, 2, 'opened by exactly the confirming streak');
    assert.equal(opened.errorKind, 'unexpected_status');
    const open = (await running.daemon.store.listIncidents({ targetId: 'flappy', state: 'open' })).items;
    await waitFor(async () => (await running.daemon.store.getOpenIncident('flappy')) !== null, 3_000, 'incident stored');
    const stored = await running.daemon.store.getOpenIncident('flappy');
    assert.equal(stored?.openedAt, bad[0]!.result.startedAt, 'starts at the first bad result');
    assert.equal(stored?.errorKind, 'unexpected_status');
    assert.ok(open.length <= 1);

    target.status = 200;
    const goodFrom = results.length;
    await waitFor(() => events().some((e) => e.type === 'incident_resolved'), 8_000, 'incident_resolved webhook');
    const good = results.slice(goodFrom).filter((r) => r.result.status === 'up');
    assert.ok(good.length >= 2, 'resolved only after the second good result');
    await waitFor(async () => (await running.daemon.store.getOpenIncident('flappy')) === null, 3_000, 'incident closed');
    const closed = (await running.daemon.store.listIncidents({ targetId: 'flappy', state: 'closed' })).items;
    assert.equal(closed.length, 1);
    assert.equal(closed[0]!.closedAt, good[0]!.result.startedAt);
    for (const h of hooks) assert.equal(verifySignature(SECRET, h.body, h.signature), true);
    assert.ok(!hooks.some((h) => h.body.includes(SECRET)));
    assert.equal(running.daemon.stats().alerts[0]?.deliveredTotal, hooks.length);
  } finally {
    await running.stop();
    await target.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  }
});
