import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { METRIC } from '../../src/metrics/metric-names.js';
import { startFixedResponse } from '../helpers/servers/http-catalog.js';
import { startRefusedPort } from '../helpers/servers/raw-catalog.js';
import type { TestServer } from '../helpers/servers/test-server.js';
import { startApiFixture, type ApiFixture } from './helpers/api-fixture.js';
import { fixtureCert } from '../helpers/certs.js';
import { startPlainTlsServer } from '../helpers/servers/starttls-server.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict parser of the Prometheus text format 0.0.4: every line must be a comment or a sample. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1] ?? '', type[2] ?? '');
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    assert.ok(m, `not a valid exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] ?? ''] = pair[2] ?? '';
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}): Sample | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('/metrics', () => {
  let f: ApiFixture;
  let ok: TestServer;
  let refused: TestServer;
  before(async () => {
    f = await startApiFixture();
    ok = await startFixedResponse(200, 'ok');
    refused = await startRefusedPort();
    await f.call('POST', '/api/v1/targets', { body: { id: 'ok', name: 'OK', check: { url: ok.url } } });
    await f.call('POST', '/api/v1/targets', { body: { id: 'refused', name: 'Refused', check: { kind: 'tcp', host: '127.0.0.1', port: refused.port } } });
  });
  after(async () => {
    await f.close();
    await ok.close();
    await refused.close();
  });

  it('parses, names every metric from metric-names.ts, and counts real results', async () => {
    await f.daemon.runScheduledCheck('ok', 12);
    await f.daemon.runScheduledCheck('ok', 3);
    await f.daemon.runScheduledCheck('refused', 80);
    await f.call('POST', '/api/v1/targets/test', { body: { name: 'x', check: { url: ok.url } } });
    const res = await f.call('GET', '/metrics', { token: null });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const { samples, types } = parseExposition(res.text);

    for (const name of Object.values(METRIC)) assert.ok(types.has(name), `missing ${name}`);
    for (const [name, type] of types) {
      if (type === 'counter') assert.match(name, /_total$/, name);
      assert.match(name, /^vigil_/, name);
    }
    assert.equal(types.get(METRIC.checkPhaseDurationSeconds), 'histogram');

    // The test-once run is not counted: only stored results are.
    assert.equal(find(samples, METRIC.checksTotal, { status: 'up', error_kind: 'none' })?.value, 2);
    assert.equal(find(samples, METRIC.checksTotal, { status: 'down', error_kind: 'connection_refused' })?.value, 1);
    assert.equal(find(samples, `${METRIC.checkPhaseDurationSeconds}_count`, { phase: 'total' })?.value, 3);
    assert.equal(find(samples, `${METRIC.checkPhaseDurationSeconds}_count`, { phase: 'ttfb' })?.value, 2, 'a refused connect has no ttfb');
    assert.equal(find(samples, `${METRIC.checkPhaseDurationSeconds}_count`, { phase: 'tls' }), undefined, 'plain http has no tls phase');
    assert.equal(find(samples, `${METRIC.schedulingLagSeconds}_count`)?.value, 3);
    const lagSum = find(samples, `${METRIC.schedulingLagSeconds}_sum`)?.value ?? 0;
    assert.ok(Math.abs(lagSum - 0.095) < 1e-9, `lag sum ${lagSum}`);
    assert.equal(find(samples, `${METRIC.schedulingLagSeconds}_bucket`, { le: '0.05' })?.value, 2);

    assert.equal(find(samples, METRIC.storageWritesTotal)?.value, 3);
    assert.equal(find(samples, METRIC.targets)?.value, 2);
    assert.equal(find(samples, METRIC.alertDeliveriesTotal, { webhook: 'ops', outcome: 'failed' })?.value, 1);
    assert.equal(find(samples, METRIC.alertDeliveriesTotal, { webhook: 'ops', outcome: 'retried' })?.value, 3);
    assert.equal(find(samples, METRIC.circuitBreakers, { state: 'closed' })?.value, 1);
    assert.equal(find(samples, METRIC.checkDropsTotal, { reason: 'missed_late' })?.value, 0);
    assert.equal(find(samples, METRIC.probeEventLoopDelaySeconds)?.value, 0.0015);
  });

  it('keeps counters exact across scrapes (stats are mirrored, not re-added)', async () => {
    const once = parseExposition((await f.call('GET', '/metrics')).text).samples;
    const twice = parseExposition((await f.call('GET', '/metrics')).text).samples;
    assert.equal(find(once, METRIC.storageWritesTotal)?.value, find(twice, METRIC.storageWritesTotal)?.value);
    assert.equal(find(twice, METRIC.alertDeliveriesTotal, { webhook: 'ops', outcome: 'delivered' })?.value, 2);
  });

  it('uses one registry per server (two servers do not share counts)', async () => {
    const other = await startApiFixture();
    try {
      const { samples } = parseExposition((await other.call('GET', '/metrics')).text);
      assert.equal(find(samples, METRIC.checksTotal, { status: 'up' }), undefined);
    } finally {
      await other.close();
    }
  });
});

describe('/metrics: certificate expiry', () => {
  it('vigil_tls_cert_expiry_timestamp_seconds{target} is the earliest notAfter of the chain', async () => {
    const f = await startApiFixture();
    const tls = await startPlainTlsServer(fixtureCert('chained'));
    try {
      // verifyTls off: the fixture daemon does not trust the test CA; the chain the server
      // sent (leaf 2100, intermediate 2080) is still read.
      const created = await f.call('POST', '/api/v1/targets', { body: { id: 'cert', name: 'Cert', check: { kind: 'tls', host: '127.0.0.1', port: tls.port, verifyTls: false } } });
      assert.equal(created.status, 201, created.text);
      await f.daemon.runScheduledCheck('cert', 1);
      const { samples, types } = parseExposition((await f.call('GET', '/metrics')).text);
      assert.equal(types.get(METRIC.tlsCertExpiryTimestampSeconds), 'gauge');
      assert.equal(find(samples, METRIC.tlsCertExpiryTimestampSeconds, { target: 'cert' })?.value, Date.parse('2080-01-01T00:00:00Z') / 1000);
    } finally {
      await f.close();
      await tls.close();
    }
  });
});
