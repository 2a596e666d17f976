/**
 * Every credential shape through every output path of a real daemon: logs, API answers
 * (targets, results, incidents, stats, test, check now, errors), the status page, metrics,
 * webhook alerts, every table in SQLite but the targets' definitions (results, incidents, the
 * alert outbox's payloads and errors), and the `vigil check` CLI.
 * None of the secrets may appear in any of them. The one place a literal secret is kept is
 * the target's own definition in the store (the check needs it); a `${env:…}` reference is
 * kept as the reference.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runVigil } from '../cli/run-vigil.js';
import { startTargetServer, tempDir, waitFor, writeConfig, type TargetServer } from './helpers.js';
import { startInProcess } from './in-process.js';

const SECRETS = {
  userinfo: 'USERINFOSECRET',
  queryToken: 'QUERYTOKENSECRET',
  queryApiKey: 'QUERYAPIKEYSECRET',
  bearer: 'BEARERSECRET',
  cookie: 'COOKIESECRET',
  apiKeyHeader: 'APIKEYHEADERSECRET',
  basicPassword: 'BASICPASSWORDSECRET',
  webhookSecret: 'WEBHOOKSECRET-0123456789',
  webhookUrlToken: 'HOOKURLTOKENSECRET',
  envRef: 'ENVREFSECRET-in-an-innocent-header',
  envSig: 'ENVSIGSECRET',
};
const LEAK = new RegExp(Object.values(SECRETS).join('|'));

function assertClean(what: string, text: string): void {
  const m = LEAK.exec(text);
  assert.equal(m, null, `${what} leaks ${m?.[0]}: …${m === null ? '' : text.slice(Math.max(0, m.index - 80), m.index + 40)}…`);
}

describe('no credential in any output', () => {
  let target: TargetServer;
  let receiver: Server;
  const alerts: string[] = [];
  let dir: string;
  let daemon: Awaited<ReturnType<typeof startInProcess>>;
  let api: string;

  before(async () => {
    target = await startTargetServer(0, 500);
    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        alerts.push(`${req.url} ${JSON.stringify(req.headers)} ${body}`);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?token=${SECRETS.webhookUrlToken}`;
    dir = tempDir('secrets');
    const base = `127.0.0.1:${target.port}`;
    const config = writeConfig(
      dir,
      [
        'defaults: { allowPrivateTargets: true, confirmations: 1, interval: 1s }',
        'alerts:',
        '  webhooks:',
        `    - { name: ops, url: "${hook}", secret: "${SECRETS.webhookSecret}", initialBackoff: 10ms }`,
        'targets:',
        `  - { id: userinfo, name: userinfo, check: { url: "http://alice:${SECRETS.userinfo}@${base}/a?token=${SECRETS.queryToken}&api_key=${SECRETS.queryApiKey}&page=2" } }`,
        `  - { id: bearer, name: bearer, check: { url: "http://${base}/b", auth: { type: bearer, token: ${SECRETS.bearer} }, headers: { cookie: "sid=${SECRETS.cookie}", x-api-key: ${SECRETS.apiKeyHeader} } } }`,
        `  - { id: basic, name: basic, check: { url: "http://${base}/c", auth: { type: basic, username: bob, password: ${SECRETS.basicPassword} } } }`,
        '  - { id: ref, name: ref, check: { url: "http://' + base + '/d?sig=${env:VIGIL_TEST_SIG}", headers: { x-custom: "${env:VIGIL_TEST_REF}" } } }',
        '',
      ].join('\n'),
    );
    daemon = await startInProcess(config, join(dir, 'data'), { VIGIL_TEST_REF: SECRETS.envRef, VIGIL_TEST_SIG: SECRETS.envSig });
    api = daemon.api.url;
    // every target failed at least twice, so incidents opened and alerts went out
    await waitFor(async () => {
      const r = (await (await fetch(`${api}/api/v1/incidents?state=open`)).json()) as { items: unknown[] };
      return r.items.length === 4 && alerts.length >= 4;
    }, 20_000, 'four open incidents and their alerts');
  });
  after(async () => {
    await daemon?.stop();
    await target?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('the checks really sent the secrets (so the rest of this test can fail)', () => {
    assert.ok(target.received >= 4, `the target server saw ${target.received} requests`);
  });

  it('API answers, the status pages, badges and metrics', async () => {
    const paths = ['/api/v1/targets', '/api/v1/incidents', '/api/v1/stats', '/api/v1/alerts', '/api/v1/alerts/ops/deliveries', '/metrics', '/', '/?bars=hourly', '/incidents'];
    for (const id of ['userinfo', 'bearer', 'basic', 'ref']) {
      paths.push(`/api/v1/targets/${id}`, `/api/v1/targets/${id}/results`, `/api/v1/targets/${id}/incidents`);
      paths.push(`/status/${id}`, `/status/${id}?window=1h`, `/badge/${id}/status.svg`, `/badge/${id}/uptime.svg?window=1h`);
    }
    for (const path of paths) {
      const res = await fetch(`${api}${path}`);
      assert.equal(res.status, 200, path);
      assertClean(path, await res.text());
    }
    const now = await fetch(`${api}/api/v1/targets/userinfo/check`, { method: 'POST' });
    assert.equal(now.status, 200);
    assertClean('check now', await now.text());
    const body = JSON.stringify({ name: 'probe', check: { url: `http://carol:${SECRETS.userinfo}@127.0.0.1:${target.port}/t?access_token=${SECRETS.queryToken}`, headers: { authorization: `Bearer ${SECRETS.bearer}` } } });
    const tested = await fetch(`${api}/api/v1/targets/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(tested.status, 200);
    const testedText = await tested.text();
    assert.match(testedText, /access_token=\[redacted\]/);
    assertClean('targets/test', testedText);
    const bad = JSON.stringify({ name: 'bad', check: { url: `notaurl://x:${SECRETS.userinfo}@h/?token=${SECRETS.queryToken}` } });
    const refused = await fetch(`${api}/api/v1/targets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bad });
    assert.equal(refused.status, 400);
    assertClean('validation error', await refused.text());
  });

  it('the stored results and incidents, and the reference kept as written', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the batcher commits every 500 ms
    const db = new Database(join(dir, 'data', 'vigil.db'), { readonly: true, fileMustExist: true });
    try {
      // every table but the targets' own definitions: results, endpoints, incidents, rollups,
      // the alert outbox (payloads and last errors), and whatever table is added later
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'targets'").all() as Array<{ name: string }>).map((t) => t.name);
      for (const expected of ['results', 'endpoints', 'incidents', 'rollups', 'alert_outbox']) assert.ok(tables.includes(expected), `table ${expected}`);
      const stored = new Map(tables.map((t) => [t, JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())]));
      assert.ok(stored.get('endpoints')?.includes('[redacted]'), 'the endpoints table holds the redacted URL');
      assert.match(stored.get('alert_outbox') ?? '', /incident_opened/, 'the outbox holds the alerts that went out');
      for (const [table, text] of stored) assertClean(`table ${table}`, text);
      const ref = db.prepare('SELECT input FROM targets WHERE id = ?').get('ref') as { input: string };
      assert.match(ref.input, /\$\{env:VIGIL_TEST_REF\}/);
      assert.match(ref.input, /\$\{env:VIGIL_TEST_SIG\}/);
      assertClean('the ref target definition', ref.input);
    } finally {
      db.close();
    }
  });

  it('webhook alerts and log lines', () => {
    assert.ok(alerts.length >= 4);
    for (const a of alerts) assertClean('alert', a.replace(`token=${SECRETS.webhookUrlToken}`, ''));
    assert.ok(daemon.log.lines.length > 0);
    for (const line of daemon.log.lines) assertClean('log', line);
  });

  it('the vigil check CLI, text and --json', async () => {
    const url = `http://alice:${SECRETS.userinfo}@127.0.0.1:${target.port}/a?token=${SECRETS.queryToken}&api_key=${SECRETS.queryApiKey}`;
    for (const extra of [[], ['--json']]) {
      const run = await runVigil(['check', url, '--allow-private', ...extra]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /token=\[redacted\]/);
      assertClean(`vigil check ${extra.join(' ')}`, run.stdout + run.stderr);
    }
  });
});
