import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckResult } from '../../domain/check-result.js';
import { ERROR_EXPLANATION } from '../../domain/error-kind.js';
import { formatCheckResult } from './format-check-result.js';

const UP: CheckResult = {
  kind: 'http',
  target: 'https://example.test/health',
  startedAt: 1_700_000_000_000,
  status: 'up',
  httpVersion: '2',
  statusCode: 200,
  responseBytes: 1234,
  timings: { dnsMs: 1.234, connectMs: 0.5, tlsMs: 12.3456, ttfbMs: 3, receiveMs: 0.25, totalMs: 17.4 },
  errorKind: null,
  errorFamily: null,
  errorPhase: null,
  detail: null,
  connectionReused: false,
  tls: {
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_128_GCM_SHA256',
    alpn: 'h2',
    certSubject: 'CN=example.test',
    certIssuer: 'CN=Vigil Test CA',
    certExpiresAt: '2030-01-01T00:00:00.000Z',
    daysRemaining: 1,
    chainExpiresAt: '2030-01-01T00:00:00.000Z',
    chainDaysRemaining: 1,
    chain: null,
  },
};

const REFUSED: CheckResult = {
  kind: 'http',
  target: 'http://127.0.0.1:9/',
  startedAt: 1_700_000_000_000,
  status: 'down',
  httpVersion: null,
  statusCode: null,
  responseBytes: null,
  timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, receiveMs: null, totalMs: 0.8 },
  errorKind: 'connection_refused',
  errorFamily: 'transport',
  errorPhase: 'connect',
  detail: 'connect ECONNREFUSED 127.0.0.1:9',
  connectionReused: false,
  tls: null,
};

test('an up HTTPS result: status, version and code, aligned phases, bytes and TLS details', () => {
  assert.equal(
    formatCheckResult(UP),
    [
      'UP  https://example.test/health',
      '  http      HTTP/2 200',
      '  dns        1.23 ms',
      '  connect    0.50 ms',
      '  tls       12.35 ms',
      '  ttfb       3.00 ms',
      '  receive    0.25 ms',
      '  total     17.40 ms',
      '  bytes     1234',
      '  protocol  TLSv1.3  ALPN h2  TLS_AES_128_GCM_SHA256',
      '  subject   CN=example.test',
      '  issuer    CN=Vigil Test CA',
      '  expires   2030-01-01T00:00:00.000Z (1 day left)',
      '',
    ].join('\n'),
  );
});

test('a refused connection: missing phases as "—", error kind, family, phase, explanation and detail', () => {
  assert.equal(
    formatCheckResult(REFUSED),
    [
      'DOWN  http://127.0.0.1:9/',
      '  http      —',
      '  dns          —',
      '  connect      —',
      '  tls          —',
      '  ttfb         —',
      '  receive      —',
      '  total     0.80 ms',
      '  error     connection_refused (transport, connect phase)',
      `            ${ERROR_EXPLANATION.connection_refused}`,
      '  detail    connect ECONNREFUSED 127.0.0.1:9',
      '',
    ].join('\n'),
  );
});

test('a tcp result has no http line', () => {
  const tcp: CheckResult = {
    ...REFUSED,
    kind: 'tcp',
    target: '127.0.0.1:9',
    status: 'up',
    timings: { ...REFUSED.timings, connectMs: 0.3, totalMs: 0.4 },
    errorKind: null,
    errorFamily: null,
    errorPhase: null,
    detail: null,
  };
  const text = formatCheckResult(tcp);
  assert.ok(text.startsWith('UP  127.0.0.1:9\n  dns'), text);
  assert.ok(!text.includes('http'), text);
  assert.match(text, /^ {2}connect {3}0\.30 ms$/m);
});

test('a degraded result keeps its code and explains the kind; an expired certificate says so', () => {
  const degraded: CheckResult = {
    ...UP,
    status: 'degraded',
    statusCode: 429,
    errorKind: 'rate_limited',
    errorFamily: 'verdict',
    errorPhase: null,
    detail: 'Retry-After: 120',
    tls: { ...UP.tls!, daysRemaining: -3 },
  };
  const text = formatCheckResult(degraded);
  assert.match(text, /^DEGRADED {2}https:\/\/example\.test\/health$/m);
  assert.match(text, /^ {2}http {6}HTTP\/2 429$/m);
  assert.match(text, /^ {2}reason {4}rate_limited \(verdict\)$/m);
  assert.ok(text.includes(`            ${ERROR_EXPLANATION.rate_limited}\n`));
  assert.match(text, /^ {2}detail {4}Retry-After: 120$/m);
  assert.match(text, /\(expired 3 days ago\)$/m);
});

test('a multi-line detail stays on one line', () => {
  const text = formatCheckResult({ ...REFUSED, detail: 'first\n  second' });
  assert.match(text, /^ {2}detail {4}first second$/m);
});

test('colour only when asked: status and kind painted, plain text unchanged', () => {
  assert.ok(!formatCheckResult(REFUSED).includes('\u001b['));
  const coloured = formatCheckResult(REFUSED, { color: true });
  assert.ok(coloured.startsWith('\u001b[1;31mDOWN\u001b[0m  http://127.0.0.1:9/\n'), coloured);
  assert.ok(coloured.includes('\u001b[31mconnection_refused\u001b[0m'));
  assert.equal(coloured.replaceAll(new RegExp(`${'\u001b'}\\[[0-9;]*m`, 'g'), ''), formatCheckResult(REFUSED));
  assert.ok(formatCheckResult(UP, { color: true }).startsWith('\u001b[1;32mUP\u001b[0m'));
});
