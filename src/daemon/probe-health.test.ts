import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckResult } from '../domain/check-result.js';
import type { ErrorKind } from '../domain/error-kind.js';
import { ERROR_FAMILY } from '../domain/error-kind.js';
import { ProbeHealthMonitor } from './probe-health.js';
import { hostOfSpec } from '../resilience/circuit-key.js';
import { defineHttpCheck, defineTcpCheck } from '../domain/check-spec.js';

function result(errorKind: ErrorKind | null): CheckResult {
  return {
    kind: 'http',
    target: 'http://x/',
    startedAt: 0,
    status: errorKind === null ? 'up' : 'down',
    httpVersion: null,
    statusCode: null,
    responseBytes: null,
    timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, receiveMs: null, totalMs: 1 },
    errorKind,
    errorFamily: errorKind === null ? null : ERROR_FAMILY[errorKind],
    errorPhase: null,
    detail: null,
    connectionReused: false,
    tls: null,
  };
}

const settings = { windowMs: 60_000, minFailingHosts: 5, minFailingFraction: 0.5 };

test('many unrelated hosts failing with transport errors raise ONE degraded transition', () => {
  const health = new ProbeHealthMonitor(settings);
  for (let h = 0; h < 8; h++) assert.equal(health.observe(`ok-${h}.test`, result(null), 1_000), null);
  const transitions = [];
  for (let h = 0; h < 10; h++) {
    const t = health.observe(`host-${h}.test`, result('connect_timeout'), 2_000 + h);
    if (t !== null) transitions.push(t);
  }
  // 8 healthy + failing ones: degraded once failing >= 5 and failing/checked >= 0.5 (8 of 16).
  assert.equal(transitions.length, 1);
  const [t] = transitions;
  assert.equal(t!.type, 'degraded');
  assert.ok(t!.type === 'degraded' && t!.failingHosts === 8 && t!.checkedHosts === 16);
  assert.equal(health.degraded, true);
});

test('one host with many failing targets, verdict failures and breaker echoes never degrade the probe', () => {
  const health = new ProbeHealthMonitor(settings);
  for (let i = 0; i < 50; i++) assert.equal(health.observe('same-host.test', result('connection_refused'), 1_000 + i), null);
  for (let h = 0; h < 20; h++) assert.equal(health.observe(`v-${h}.test`, result('unexpected_status'), 2_000), null);
  for (let h = 0; h < 20; h++) assert.equal(health.observe(`c-${h}.test`, result('circuit_open'), 2_000), null);
  assert.equal(health.degraded, false);
  assert.equal(health.failingHosts(), 1);
});

test('recovers with hysteresis when hosts answer again or age out of the window', () => {
  const health = new ProbeHealthMonitor(settings);
  for (let h = 0; h < 6; h++) health.observe(`h${h}.test`, result('dns_failed'), 1_000);
  assert.equal(health.degraded, true);
  // 4 of 6 still failing: above half the thresholds → still degraded.
  assert.equal(health.observe('h0.test', result(null), 2_000), null);
  assert.equal(health.observe('h1.test', result(null), 2_000), null);
  assert.equal(health.degraded, true);
  const t = health.observe('h2.test', result(null), 3_000);
  assert.equal(t, null, '3 of 6 failing is still at half the thresholds');
  const rec = health.observe('h3.test', result(null), 4_000);
  assert.deepEqual(rec, { type: 'recovered', degradedForMs: 3_000 });
  // Age-out: a new storm, then silence longer than the window.
  for (let h = 0; h < 6; h++) health.observe(`s${h}.test`, result('timeout'), 10_000);
  assert.equal(health.degraded, true);
  assert.deepEqual(health.evaluate(10_000 + 60_001), { type: 'recovered', degradedForMs: 60_001 });
});

test('probe health files results under the same canonical host as the circuit breaker', () => {
  const http = defineHttpCheck({ url: 'https://user:pw@Example.COM.:8443/x?y=1' });
  assert.equal(hostOfSpec(http), 'example.com');
  assert.equal(hostOfSpec(defineHttpCheck({ url: 'http://[::1]:8080/' })), '::1');
  assert.equal(hostOfSpec(defineTcpCheck({ kind: 'tcp', host: '::1', port: 22 })), '::1');
});
