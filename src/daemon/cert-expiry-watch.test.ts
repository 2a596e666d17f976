import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineTlsCheck, defineTcpCheck } from '../domain/check-spec.js';
import type { CheckResult } from '../domain/check-result.js';
import { CertExpiryWatch } from './cert-expiry-watch.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2030, 0, 1);
const spec = defineTlsCheck({ kind: 'tls', host: 'mail.test', port: 465, certExpiryWarnDays: 14, certExpiryCriticalDays: 3 });

function result(daysLeft: number | null, status: CheckResult['status'] = 'up'): CheckResult {
  const chainExpiresAt = daysLeft === null ? null : new Date(NOW + daysLeft * DAY + 1_000).toISOString();
  return {
    kind: 'tls', target: 'mail.test:465', startedAt: NOW, status, httpVersion: null, statusCode: null, responseBytes: null,
    timings: { dnsMs: null, connectMs: 1, tlsMs: 1, ttfbMs: null, receiveMs: null, totalMs: 2 }, errorKind: null, errorFamily: null, errorPhase: null, detail: null, connectionReused: false,
    tls: daysLeft === null ? null : { protocol: 'TLSv1.3', cipher: null, alpn: null, certSubject: null, certIssuer: null, certExpiresAt: chainExpiresAt, daysRemaining: daysLeft, chainExpiresAt, chainDaysRemaining: daysLeft, chain: null },
  };
}

test('one crossing into the warning range, one alert; results without a chain change nothing; a renewal re-arms it', () => {
  const watch = new CertExpiryWatch();
  assert.equal(watch.observe('m', spec, result(30)), null);
  assert.deepEqual(watch.observe('m', spec, result(13)), { chainExpiresAt: new Date(NOW + 13 * DAY + 1_000).toISOString(), daysLeft: 13, warnDays: 14 });
  assert.equal(watch.observe('m', spec, result(12)), null, 'still warning: no repeat');
  assert.equal(watch.observe('m', spec, result(null, 'down')), null, 'a failed connection says nothing');
  assert.equal(watch.observe('m', spec, result(11, 'degraded')), null, 'degraded for another reason: still the same crossing');
  assert.equal(watch.observe('m', spec, result(2)), null, 'critical is an incident, not this alert');
  assert.equal(watch.observe('m', spec, result(90)), null, 'renewed');
  assert.equal(watch.observe('m', spec, result(10))?.daysLeft, 10, 'a new crossing');
  watch.remove('m');
  assert.equal(watch.observe('m', spec, result(10))?.daysLeft, 10, 'a removed target starts afresh');
  assert.equal(watch.observe('t', defineTcpCheck({ kind: 'tcp', host: 'db', port: 5432 }), result(1)), null, 'no thresholds, no alert');
  assert.equal(watch.observe('off', defineTlsCheck({ kind: 'tls', host: 'x', port: 443, certExpiryWarnDays: 0, certExpiryCriticalDays: 0 }), result(1)), null);
});
