/**
 * Issue 11 item 5: `bodyRegex` ran in V8's backtracking engine on the main thread, so
 * `^(a+)+$` against a 28-byte body froze the whole daemon for 4.5 s (doubling per byte).
 * Here a real `vigil serve` child is asked to test that pattern against 40 bytes (hours of
 * backtracking) while /healthz is polled from this process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServe, tempDir, writeConfig } from './helpers.js';

test('^(a+)+$ against a body built to backtrack answers body_match_failed at once and /healthz keeps answering', async () => {
  const body = `${'a'.repeat(40)}!`;
  const target = createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
  const dir = tempDir('redos');
  const config = writeConfig(dir, 'defaults:\n  allowPrivateTargets: true\ntargets: []\n');
  const serve = await startServe(['--config', config, '--port', '0', '--data-dir', `${dir}/data`], { VIGIL_API_TOKEN: '' });
  try {
    // the test endpoint uses the API's own defaults: allowPrivateTargets is the config's
    const checked = fetch(`${serve.apiUrl}/api/v1/targets/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'redos', check: { url, bodyRegex: '^(a+)+$' } }),
      signal: AbortSignal.timeout(15_000),
    });
    // a frozen daemon answers neither; each request here has its own 15 s abort timer, which
    // fires in this process whatever the daemon does
    const health = await fetch(`${serve.apiUrl}/healthz`, { signal: AbortSignal.timeout(15_000) });
    assert.equal(health.status, 200);
    const res = await checked;
    const answer = (await res.json()) as { result?: { status: string; errorKind: string | null; detail: string | null } };
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.equal(answer.result?.status, 'down');
    assert.equal(answer.result?.errorKind, 'body_match_failed');
  } finally {
    serve.child.kill('SIGKILL'); // a frozen daemon would not act on SIGTERM
    await serve.exited;
    await new Promise<void>((r) => target.close(() => r()));
  }
});
