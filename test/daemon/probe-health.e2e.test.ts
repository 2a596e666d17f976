import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import type { ScheduledResult } from '../../src/daemon/daemon-handle.js';
import { tempDir, waitFor, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

/** A port nothing listens on: bind, read the port, close. */
async function refusedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('many unrelated hosts failing at once raise one probe_degraded alert instead of paging each target', async () => {
  const hooks: Array<{ type: string }> = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as { type: string });
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookPort = (receiver.address() as AddressInfo).port;
  const port = await refusedPort();
  // Six distinct hosts (127.0.0.2 … 127.0.0.7), all refusing: the probe, not six targets, is sick.
  const targets = [2, 3, 4, 5, 6, 7]
    .map((n) => `  - id: host-${n}\n    name: Host ${n}\n    check: { url: "http://127.0.0.${n}:${port}/" }\n    interval: 1s\n    confirmations: 2\n    allowPrivateTargets: true\n`)
    .join('');
  const dir = tempDir('probe-health');
  const path = writeConfig(
    dir,
    `alerts:\n  webhooks:\n    - name: ops\n      url: http://127.0.0.1:${hookPort}/hook\n      secretEnv: HOOK_SECRET\n      initialBackoff: 50ms\ntargets:\n${targets}`,
  );
  const running = await startInProcess(path, dir, { HOOK_SECRET: 'probe-health-secret-1234' });
  const results: ScheduledResult[] = [];
  running.daemon.onResult((e) => results.push(e));
  try {
    await waitFor(() => hooks.some((h) => h.type === 'probe_degraded'), 8_000, 'probe_degraded webhook');
    // Every target has now failed at least twice: without the probe rule each would page.
    await waitFor(() => new Set(results.filter((r) => r.result.errorKind === 'connection_refused').map((r) => r.targetId)).size === 6 &&
      results.length >= 14, 8_000, 'two rounds of refused checks');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hooks.filter((h) => h.type === 'probe_degraded').length, 1, 'exactly one probe alert');
    assert.deepEqual(hooks.filter((h) => h.type === 'incident_opened'), [], 'no per-target pages while the probe is degraded');
    assert.ok(results.every((r) => r.result.errorKind === 'connection_refused'), 'every check was a transport failure');
  } finally {
    await running.stop();
    await new Promise<void>((r) => receiver.close(() => r()));
  }
});
