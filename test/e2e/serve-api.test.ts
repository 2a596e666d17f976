import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMemoryLogger } from '../../src/daemon/logger.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/main.js';
import { startFixedResponse } from '../helpers/servers/http-catalog.js';
import type { TestServer } from '../helpers/servers/test-server.js';

const TOKEN = 'e2e-token-0123456789';

/** The API, metrics and status page on the real daemon (`startDaemon`, the composition root of `vigil serve`). */
describe('vigil serve: API, metrics and status page on the real daemon', () => {
  let daemon: RunningDaemon;
  let target: TestServer;
  let dataDir: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${daemon.api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: text.startsWith('{') ? JSON.parse(text) : null };
  };

  before(async () => {
    target = await startFixedResponse(200, 'ok');
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
    const configText = [
      'defaults:',
      '  allowPrivateTargets: true',
      'targets:',
      '  - id: from-config',
      '    name: From config',
      '    interval: 1s',
      '    check:',
      `      url: ${target.url}`,
      '      auth: { type: bearer, token: CONFIGSECRET }',
    ].join('\n');
    daemon = await startDaemon({ configText, configSource: 'test', host: '127.0.0.1', port: 0, dataDir, token: TOKEN, env: {}, log: createMemoryLogger(), readConfig: null });
  });
  after(async () => {
    await daemon?.stop();
    await target?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the config target without its secret, refuses to edit it, and runs it on demand', async () => {
    const got = await call('GET', '/api/v1/targets/from-config');
    assert.equal(got.status, 200);
    assert.equal(got.json.source, 'config');
    assert.doesNotMatch(got.text, /CONFIGSECRET/);
    const patch = await call('PATCH', '/api/v1/targets/from-config', { enabled: false });
    assert.equal(patch.status, 409);
    assert.equal(patch.json.error.code, 'read_only');
    const now = await call('POST', '/api/v1/targets/from-config/check');
    assert.equal(now.status, 200);
    assert.equal(now.json.result.status, 'up');
  });

  it('creates an API target, and metrics, results and the status page reflect scheduled checks', async () => {
    const created = await call('POST', '/api/v1/targets', { id: 'api-made', name: 'API made', interval: '1s', check: { url: target.url } });
    assert.equal(created.status, 201, created.text);
    const deadline = Date.now() + 8_000;
    let scheduled = 0;
    while (Date.now() < deadline) {
      const metrics = await fetch(`${daemon.api.url}/metrics`).then((r) => r.text());
      scheduled = Number(/^vigil_scheduling_lag_seconds_count (\d+)/m.exec(metrics)?.[1] ?? 0);
      if (scheduled >= 3) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(scheduled >= 3, `only ${scheduled} scheduled checks seen in /metrics`);
    const metrics = await fetch(`${daemon.api.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /^vigil_checks_total\{status="up",error_kind="none"\} [1-9]/m);
    assert.match(metrics, /^vigil_targets 2$/m);

    const results = await call('GET', '/api/v1/targets/from-config/results?limit=5');
    assert.equal(results.status, 200);
    assert.ok(results.json.items.length >= 1);
    assert.equal((await fetch(`${daemon.api.url}/readyz`)).status, 200);
    const page = await fetch(`${daemon.api.url}/`).then((r) => r.text());
    assert.match(page, /data-target-id="api-made"/);
    const patched = await call('PATCH', '/api/v1/targets/api-made', { tags: ['e2e'], check: { keyword: 'ok' } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.json.tags, ['e2e']);
    assert.equal(patched.json.spec.keyword, 'ok');
    assert.doesNotMatch(page, /CONFIGSECRET/);
    assert.equal((await call('DELETE', '/api/v1/targets/api-made')).status, 204);
  });
});
