import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckResult } from '../../src/domain/check-result.js';
import { defineCheck } from '../../src/domain/check-spec.js';
import { REDACTED, redactResult, redactSpec, redactText, redactUrl } from '../../src/domain/redact.js';

test('redactUrl: user-info removed, credential-named query and fragment parameters hidden, the rest kept', () => {
  assert.equal(redactUrl('https://u:p@api.example.com/x'), 'https://api.example.com/x');
  assert.equal(redactUrl('https://api.example.com/x?token=T1&page=2&api_key=K1&API-KEY=K2'), `https://api.example.com/x?token=${REDACTED}&page=2&api_key=${REDACTED}&API-KEY=${REDACTED}`);
  assert.equal(redactUrl('https://x/cb#access_token=AT&state=s'), `https://x/cb#access_token=${REDACTED}&state=s`);
  for (const name of ['access_token', 'client_secret', 'password', 'sig', 'signature', 'key', 'apikey', 'auth', 'session_id', 'X-Amz-Credential', 'code', 'jwt', 'pwd']) {
    assert.equal(redactUrl(`http://h/?${name}=S&q=1`), `http://h/?${name}=${REDACTED}&q=1`, name);
  }
  assert.equal(redactUrl('http://h/?t%6Fken=S'), `http://h/?t%6Fken=${REDACTED}`, 'an escaped name is judged decoded');
  const plain = 'https://api.example.com/health';
  assert.equal(redactUrl(plain), plain, 'nothing to hide: the same string');
  assert.equal(redactUrl(redactUrl('https://u:p@h/?token=a')), redactUrl('https://u:p@h/?token=a'), 'idempotent');
});

test('redactText: URLs inside text, Bearer/Basic credentials and known values', () => {
  assert.equal(redactText('redirect to https://h/next?token=abc failed'), `redirect to https://h/next?token=${REDACTED} failed`);
  assert.equal(redactText('sent Authorization: Bearer eyJhbGciOi.abc.def'), `sent Authorization: Bearer ${REDACTED}`);
  assert.equal(redactText('Basic dXNlcjpwYXNzd29yZA=='), `Basic ${REDACTED}`);
  assert.equal(redactText('value was hunter2-long-secret here', ['hunter2-long-secret']), `value was ${REDACTED} here`);
  assert.equal(redactText('missing bearer token'), 'missing bearer token', 'words are not credentials');
});

test('redactSpec: auth, credential headers, URL secrets and reference values; the shape is kept', () => {
  const spec = defineCheck({
    url: 'https://user:PASS@api.example.com/x?api_key=QK&page=1',
    headers: { Cookie: 'sid=C', 'X-Api-Key': 'K', 'X-Session-Id': 'S', Accept: 'text/plain', 'X-Custom': 'REFVALUE' },
    body: '{"password":"REFVALUE"}',
  });
  const red = redactSpec(spec, ['REFVALUE']);
  assert.equal(red.kind, 'http');
  if (red.kind !== 'http') return;
  assert.equal(red.url, `https://api.example.com/x?api_key=${REDACTED}&page=1`);
  assert.deepEqual(red.auth, { type: 'basic', username: 'user', password: REDACTED });
  assert.deepEqual(red.headers, { cookie: REDACTED, 'x-api-key': REDACTED, 'x-session-id': REDACTED, accept: 'text/plain', 'x-custom': REDACTED });
  assert.equal(red.body, `{"password":"${REDACTED}"}`);
  assert.doesNotMatch(JSON.stringify(red), /PASS|QK|sid=C|"K"|"S"|REFVALUE/);
  assert.deepEqual(redactSpec(red, ['REFVALUE']), red, 'idempotent');
  const bearer = redactSpec(defineCheck({ url: 'https://h/', auth: { type: 'bearer', token: 'BT' } }));
  assert.deepEqual(bearer.kind === 'http' ? bearer.auth : null, { type: 'bearer', token: REDACTED });
  const tcp = defineCheck({ kind: 'tcp', host: 'db', port: 5432 });
  assert.equal(redactSpec(tcp), tcp);
});

test('redactResult: target and detail; an untouched result is returned as is', () => {
  const result: CheckResult = {
    kind: 'http',
    target: 'https://h/x?token=T&q=1',
    startedAt: 0,
    status: 'down',
    httpVersion: '1.1',
    statusCode: 302,
    responseBytes: 0,
    timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, receiveMs: null, totalMs: 1 },
    errorKind: 'unexpected_status',
    errorFamily: 'verdict',
    errorPhase: null,
    detail: 'Location: https://h/login?session=S',
    connectionReused: false,
    tls: null,
  };
  const red = redactResult(result);
  assert.equal(red.target, `https://h/x?token=${REDACTED}&q=1`);
  assert.equal(red.detail, `Location: https://h/login?session=${REDACTED}`);
  const clean = { ...result, target: 'https://h/x', detail: null };
  assert.equal(redactResult(clean), clean);
});
