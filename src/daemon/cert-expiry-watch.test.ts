import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineTlsCheck, defineTcpCheck } from '../domain/check-spec.js';
import type { CheckResult } from '../domain/check-result.js';
import type { CertWarningState } from '../storage/store.js';
import { CertExpiryWatch } from './cert-expiry-watch.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2030, 0, 1);
const spec = defineTlsCheck({ kind: 'tls', host: 'mail.test', port: 465, certExpiryWarnDays: 14, certExpiryCriticalDays: 3 });

const at = (daysLeft: number) => new Date(NOW + daysLeft * DAY + 1_000).toISOString();

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
  assert.deepEqual(watch.observe('m', spec, result(13)), { type: 'cert_expiring', chainExpiresAt: at(13), daysLeft: 13, warnDays: 14 });
  assert.equal(watch.observe('m', spec, result(12)), null, 'still warning: no repeat');
  assert.equal(watch.observe('m', spec, result(null, 'down')), null, 'a failed connection says nothing');
  assert.equal(watch.observe('m', spec, result(11, 'degraded')), null, 'degraded for another reason: still the same crossing');
  assert.equal(watch.observe('m', spec, result(2)), null, 'critical is an incident, not this alert');
  assert.deepEqual(watch.observe('m', spec, result(90)), { type: 'cert_resolved', reason: 'ok', warnedChainExpiresAt: at(13), chainExpiresAt: at(90), daysLeft: 90 }, 'renewed after critical: the warning closes');
  assert.equal(watch.observe('m', spec, result(10))?.daysLeft, 10, 'a new crossing');
  assert.deepEqual(watch.remove('m'), { type: 'cert_resolved', reason: 'target_removed', warnedChainExpiresAt: at(10), chainExpiresAt: null, daysLeft: null }, 'removed while warned: closed');
  assert.equal(watch.observe('m', spec, result(10))?.daysLeft, 10, 'a removed target starts afresh');
  assert.equal(watch.observe('t', defineTcpCheck({ kind: 'tcp', host: 'db', port: 5432 }), result(1)), null, 'no thresholds, no alert');
  assert.equal(watch.observe('off', defineTlsCheck({ kind: 'tls', host: 'x', port: 443, certExpiryWarnDays: 0, certExpiryCriticalDays: 0 }), result(1)), null);
});

test('a warning closes once, under the key of the chain it warned about, when the target is back at ok', () => {
  const watch = new CertExpiryWatch();
  assert.equal(watch.observe('m', spec, result(60)), null, 'ok → ok: nothing');
  assert.equal(watch.observe('m', spec, result(59)), null);
  assert.equal(watch.observe('m', spec, result(12))?.type, 'cert_expiring');
  assert.equal(watch.observe('m', spec, result(null, 'down')), null, 'no chain: the warning stays open');
  assert.deepEqual(watch.observe('m', spec, result(365)), { type: 'cert_resolved', reason: 'ok', warnedChainExpiresAt: at(12), chainExpiresAt: at(365), daysLeft: 365 });
  assert.equal(watch.observe('m', spec, result(365)), null, 'closed once');
  assert.equal(watch.observe('m', spec, result(364)), null);
  assert.equal(watch.remove('m'), null, 'nothing open: nothing to close');
  assert.equal(watch.remove('never-seen'), null);
  // the threshold turned off also leaves the warning range: closed too
  assert.equal(watch.observe('o', spec, result(5))?.type, 'cert_expiring');
  const off = defineTlsCheck({ kind: 'tls', host: 'mail.test', port: 465, certExpiryWarnDays: 0, certExpiryCriticalDays: 0 });
  assert.deepEqual(watch.observe('o', off, result(5)), { type: 'cert_resolved', reason: 'ok', warnedChainExpiresAt: at(5), chainExpiresAt: at(5), daysLeft: 5 });
  // a chain renewed to one still in the warning range keeps the first warning open until ok
  assert.equal(watch.observe('r', spec, result(10))?.type, 'cert_expiring');
  assert.equal(watch.observe('r', spec, result(13)), null, 'still warning: no second warning');
  assert.equal((watch.observe('r', spec, result(200)) as { warnedChainExpiresAt?: string } | null)?.warnedChainExpiresAt, at(10), 'closed under the first chain');
  assert.equal(watch.remove('r'), null);
});

test('escalation alerts, de-escalation does not: critical → warning on the same chain sends no second cert_expiring', () => {
  const watch = new CertExpiryWatch();
  assert.equal(watch.observe('m', spec, result(13))?.type, 'cert_expiring');
  assert.equal(watch.observe('m', spec, result(2)), null, 'warning → critical: the incident says it');
  assert.equal(watch.observe('m', spec, result(2)), null);
  // the critical threshold lowered (or a renewal to a chain still inside the warning range)
  const lowered = defineTlsCheck({ kind: 'tls', host: 'mail.test', port: 465, certExpiryWarnDays: 14, certExpiryCriticalDays: 1 });
  assert.equal(watch.observe('m', lowered, result(2)), null, 'critical → warning: no repeat of the warning');
  assert.deepEqual(watch.observe('m', spec, result(90)), { type: 'cert_resolved', reason: 'ok', warnedChainExpiresAt: at(13), chainExpiresAt: at(90), daysLeft: 90 }, 'the first warning still closes');
  // first seen at critical: the incident covers it; coming down to warning announces nothing
  assert.equal(watch.observe('c', spec, result(2)), null);
  assert.equal(watch.observe('c', lowered, result(2)), null);
  assert.equal(watch.observe('c', spec, result(90)), null, 'no warning was sent, none to close');
});

test('every change of level or open warning is persisted, and restored state is judged against', () => {
  const kept: CertWarningState[] = [];
  const watch = new CertExpiryWatch((s) => kept.push(s));
  watch.observe('m', spec, result(30));
  watch.observe('m', spec, result(29));
  watch.observe('m', spec, result(13));
  watch.observe('m', spec, result(12));
  assert.deepEqual(kept, [
    { targetId: 'm', level: 'ok', warnedChainExpiresAt: null, updatedAt: NOW },
    { targetId: 'm', level: 'warning', warnedChainExpiresAt: at(13), updatedAt: NOW },
  ], 'only changes are written, not every result');
  // a restarted daemon: the warning is not announced again, and a renewed chain closes it
  const restarted = new CertExpiryWatch();
  restarted.restore(kept.slice(-1));
  assert.equal(restarted.observe('m', spec, result(12)), null, 'no second cert_expiring after a restart');
  assert.deepEqual(restarted.observe('m', spec, result(365)), { type: 'cert_resolved', reason: 'ok', warnedChainExpiresAt: at(13), chainExpiresAt: at(365), daysLeft: 365 });
});
