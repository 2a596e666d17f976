import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMemoryLogger } from '../../src/daemon/logger.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/main.js';
import type { ScheduledResult } from '../../src/daemon/daemon-handle.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir, waitFor } from './helpers.js';

const CONFIG_TOKEN = 'cfg-token-AbCdEfGhIjKlMnOpQrStUv';
const LOOP_TOKEN = 'loop-token-AbCdEfGhIjKlMnOpQrStUv';
/** one target per test below: each push URL has its own rate-limit budget (10 in a burst) */
const FAIL_TOKEN = 'fail-token-AbCdEfGhIjKlMnOpQrStUv';
const RUN_TOKEN = 'run-token-AbCdEfGhIjKlMnOpQrStUv';

/**
 * Heartbeat targets on the real daemon (startDaemon, real SQLite, real HTTP) with its clock
 * injected: every deadline is reached by advancing the fake clock, never by waiting.
 */
describe('heartbeat (push) targets', () => {
  let running: RunningDaemon;
  let log: ReturnType<typeof createMemoryLogger>;
  let dataDir: string;
  const clock = new FakeClock(1_800_000_000_000);
  const results: ScheduledResult[] = [];
  const base = () => running.api.url;
  const push = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base()}/push/${path}`, init);
    const text = await res.text();
    return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base()}/api/v1${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, json: (text === '' ? null : JSON.parse(text)) as Record<string, unknown> };
  };
  const lastOf = (id: string) => results.filter((r) => r.targetId === id).at(-1);
  const openIncident = (id: string) => running.daemon.store.getOpenIncident(id);

  before(async () => {
    dataDir = tempDir('heartbeat');
    const tokenFile = join(dataDir, 'run-token');
    writeFileSync(tokenFile, `${RUN_TOKEN}\n`);
    log = createMemoryLogger();
    const configText = [
      'targets:',
      '  - id: backup',
      '    name: Nightly backup',
      '    check: { kind: heartbeat, period: 1m, grace: 30s, token: "${env:BACKUP_TOKEN}" }',
      '  - id: failing',
      '    name: Failing job',
      '    check: { kind: heartbeat, period: 1m, grace: 30s, token: "${env:FAIL_TOKEN}" }',
      '  - id: runs',
      '    name: Timed job',
      '    check: { kind: heartbeat, period: 1m, grace: 30s, token: "${file:' + tokenFile + '}" }',
      '  - id: loop',
      '    name: Loop job',
      '    check: { kind: heartbeat, period: 1h, token: "${env:LOOP_TOKEN}" }',
    ].join('\n');
    running = await startDaemon({
      configText, configSource: 'test.yaml', host: '127.0.0.1', port: 0, dataDir, token: null,
      env: { BACKUP_TOKEN: CONFIG_TOKEN, LOOP_TOKEN, FAIL_TOKEN }, log, readConfig: null, clock,
    });
    running.daemon.onResult((r) => results.push(r));
  });

  after(async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a push records an up result; silence for period + grace records heartbeat_missed and opens an incident at once', async () => {
    const ok = await push(CONFIG_TOKEN);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { ok: true, signal: 'success', recorded: true });
    const up = lastOf('backup');
    assert.equal(up?.result.status, 'up');
    assert.equal(up?.result.kind, 'heartbeat');
    assert.equal(up?.result.target, 'heartbeat:every=1m;grace=30s');
    assert.equal(up?.trigger, 'push');
    assert.equal(up?.result.timings.totalMs, 0);

    await clock.advance(60_000 + 29_000);
    assert.equal(lastOf('backup')?.result.status, 'up', 'not missed before period + grace');
    await clock.advance(1_000);
    const missed = lastOf('backup');
    assert.equal(missed?.result.status, 'down');
    assert.equal(missed?.result.errorKind, 'heartbeat_missed');
    assert.equal(missed?.result.errorFamily, 'verdict');
    assert.match(missed?.result.detail ?? '', /period of 60000 ms plus the grace of 30000 ms; last ping at /);
    await waitFor(async () => (await openIncident('backup')) !== null, 5_000, 'the incident to open');
    assert.equal((await openIncident('backup'))?.errorKind, 'heartbeat_missed');

    // silence goes on being reported once a period
    const before = results.filter((r) => r.targetId === 'backup').length;
    await clock.advance(60_000);
    assert.equal(results.filter((r) => r.targetId === 'backup').length, before + 1);

    assert.equal((await push(CONFIG_TOKEN)).status, 200);
    await waitFor(async () => (await openIncident('backup')) === null, 5_000, 'the incident to resolve');
  });

  it('a fail signal or a non-zero exit code opens an incident at once; exit code 0 is a success', async () => {
    // the first test's silence left this target down too: a success resolves that first
    assert.equal((await push(FAIL_TOKEN)).status, 200);
    await waitFor(async () => (await openIncident('failing')) === null, 5_000, 'the silence incident to resolve');
    const fail = await push(`${FAIL_TOKEN}/fail`, { method: 'POST' });
    assert.equal(fail.status, 200);
    assert.equal(fail.json.signal, 'fail');
    assert.equal(lastOf('failing')?.result.errorKind, 'heartbeat_failed');
    await waitFor(async () => (await openIncident('failing'))?.errorKind === 'heartbeat_failed', 5_000, 'an incident from one fail');

    assert.equal((await push(`${FAIL_TOKEN}/0`)).json.signal, 'success');
    assert.equal(lastOf('failing')?.result.status, 'up');
    await waitFor(async () => (await openIncident('failing')) === null, 5_000, 'resolved by one success');

    const exit3 = await push(`${FAIL_TOKEN}/3`, { method: 'POST' });
    assert.equal(exit3.json.signal, 'fail');
    assert.equal(lastOf('failing')?.result.detail, 'the job exited with code 3');
    assert.equal((await push(`${FAIL_TOKEN}/256`)).status, 404);
    assert.equal((await push(`${FAIL_TOKEN}/-1`)).status, 404);
    assert.equal((await push(`${FAIL_TOKEN}/0`)).status, 200);
  });

  it('start → success records the run duration as totalMs; a start without an end within grace is heartbeat_run_overdue', async () => {
    const start = await push(`${RUN_TOKEN}/start`);
    assert.deepEqual(start.json, { ok: true, signal: 'start', recorded: false });
    const count = results.length;
    await clock.advance(5_000);
    assert.equal(results.length, count, 'a start records nothing');
    await push(RUN_TOKEN);
    assert.equal(lastOf('runs')?.result.timings.totalMs, 5_000);

    await push(`${RUN_TOKEN}/start`);
    await clock.advance(30_000);
    const overdue = lastOf('runs');
    assert.equal(overdue?.result.errorKind, 'heartbeat_run_overdue');
    assert.equal(overdue?.result.timings.totalMs, 30_000);
    assert.match(overdue?.result.detail ?? '', /started at .* neither success nor failure within the grace of 30000 ms/);
    await push(RUN_TOKEN);
  });

  it('unknown or malformed tokens get a 404 that never echoes them; pushes need no API token and ignore Origin and body type', async () => {
    const wrong = 'wrong-token-AbCdEfGhIjKlMnOpQrStUv';
    for (const path of [wrong, `${wrong}/start`, 'short', `${wrong}/a/b`, `${wrong}/fail`]) {
      const res = await push(path);
      assert.equal(res.status, 404, path);
      assert.equal(res.json.error !== undefined, true);
      assert.equal(res.text.includes(wrong), false, `the 404 for ${path} names no token`);
    }
    const crossSite = await push(CONFIG_TOKEN, { method: 'POST', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, body: 'backup log: 12 GB written' });
    assert.equal(crossSite.status, 200, 'token-authenticated: Origin and the body type do not matter');
    const huge = await push(CONFIG_TOKEN, { method: 'POST', body: 'x'.repeat(100_000) });
    assert.equal(huge.status, 413);
    assert.equal(huge.text.includes(CONFIG_TOKEN), false);
  });

  it('API heartbeat targets: a token made at creation and shown once, stored as a hash, rotated by the API', async () => {
    const created = await api('POST', '/targets', { id: 'api-beat', name: 'API beat', check: { kind: 'heartbeat', period: '10m', grace: '1m' } });
    assert.equal(created.status, 201, created.text);
    const token = created.json.pushToken as string;
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(created.json.pushPath, `/push/${token}`);
    assert.deepEqual(created.json.spec, { kind: 'heartbeat', periodMs: 600_000, graceMs: 60_000, tokenHash: '[redacted]' });

    const stored = await running.daemon.store.getTarget('api-beat');
    const storedText = JSON.stringify(stored);
    assert.equal(storedText.includes(token), false, 'the store keeps no token');
    assert.match(storedText, /"tokenHash":"sha256:[0-9a-f]{64}"/);

    const got = await api('GET', '/targets/api-beat');
    assert.equal(got.text.includes(token), false);
    assert.equal(got.json.pushToken, undefined, 'shown once');
    assert.equal((await push(token)).status, 200);

    // a PUT that says nothing of the token keeps it
    assert.equal((await api('PUT', '/targets/api-beat', { name: 'API beat', check: { kind: 'heartbeat', period: '5m' } })).status, 200);
    assert.equal((await push(token)).status, 200);

    const rotated = await api('POST', '/targets/api-beat/push-token');
    assert.equal(rotated.status, 200, rotated.text);
    const next = rotated.json.pushToken as string;
    assert.notEqual(next, token);
    assert.equal((await push(token)).status, 404, 'the old token stops working at once');
    assert.equal((await push(next)).status, 200);

    const configRotate = await api('POST', '/targets/backup/push-token');
    assert.equal(configRotate.status, 409);
    assert.equal((configRotate.json.error as { code: string }).code, 'read_only');
    const notBeat = await api('POST', '/targets', { id: 'plain', name: 'Plain', check: { kind: 'tcp', host: '127.0.0.1', port: 9 }, enabled: false });
    assert.equal(notBeat.status, 201);
    assert.equal((await api('POST', '/targets/plain/push-token')).status, 400);
    const checkNow = await api('POST', '/targets/api-beat/check');
    assert.equal(checkNow.status, 409);

    const page = await fetch(`${base()}/`).then((r) => r.text());
    for (const secret of [token, next, CONFIG_TOKEN, LOOP_TOKEN, FAIL_TOKEN, RUN_TOKEN, 'sha256:']) assert.equal(page.includes(secret), false, 'the status page shows no token or hash');
    for (const secret of [token, next, CONFIG_TOKEN, LOOP_TOKEN]) assert.equal(log.lines.join('\n').includes(secret), false, 'no log line holds a token');
  });

  it('refuses bad heartbeat definitions with errors naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ kind: 'heartbeat' }, 'check.period'],
      [{ kind: 'heartbeat', period: 'soon' }, 'check.period'],
      [{ kind: 'heartbeat', period: '500ms' }, 'check.period'],
      [{ kind: 'heartbeat', period: '90d' }, 'check.period'],
      [{ kind: 'heartbeat', period: '1h', grace: -5 }, 'check.grace'],
      [{ kind: 'heartbeat', period: '1h', token: 'a-literal-token-that-is-long-enough' }, 'check.token'],
      [{ kind: 'heartbeat', period: '1h', tokenHash: 'md5:abc' }, 'check.tokenHash'],
      [{ kind: 'heartbeat', period: '1h', url: 'http://x' }, 'check.url'],
      [{ kind: 'heartbeat', period: ['1h'] }, 'check.period'],
    ];
    for (const [check, field] of cases) {
      const res = await api('POST', '/targets', { name: `bad ${field}`, check });
      assert.equal(res.status, 400, `${JSON.stringify(check)}: ${res.text}`);
      assert.equal(JSON.stringify(res.json).includes(field), true, `${JSON.stringify(check)} names ${field}: ${res.text}`);
      assert.equal(res.text.includes('a-literal-token-that-is-long-enough'), false, 'a literal token is not echoed');
    }
    const test = await api('POST', '/targets/test', { check: { kind: 'heartbeat', period: '1h' } });
    assert.equal(test.status, 400);
  });

  it('rate-limits pushes per token and per client with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 20; i++) {
      const res = await push(LOOP_TOKEN);
      statuses.push(res.status);
      if (res.status === 429) retryAfter ??= res.headers.get('retry-after');
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200), 'a burst of 10 passes');
    assert.equal(statuses.includes(429), true, statuses.join(','));
    assert.ok(Number(retryAfter) >= 1);
    // a scan with made-up tokens runs out of the client's budget
    let limited = false;
    for (let i = 0; i < 80 && !limited; i++) limited = (await push(`scan-${i}-AbCdEfGhIjKlMnOpQrStUv`)).status === 429;
    assert.equal(limited, true);
  });
});
