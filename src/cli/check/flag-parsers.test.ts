import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../usage-error.js';
import { parseAuth, parseHeaders, parseHostPort, parseIntegerFlag } from './flag-parsers.js';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected a UsageError');
}

test('parseIntegerFlag accepts plain digits within range', () => {
  assert.equal(parseIntegerFlag('--timeout-ms', '1', 1, 10), 1);
  assert.equal(parseIntegerFlag('--timeout-ms', '10', 1, 10), 10);
  assert.equal(parseIntegerFlag('--max-redirects', '0', 0, 10), 0);
});

test('parseIntegerFlag refuses anything but an in-range integer, naming the flag and the form', () => {
  for (const text of ['abc', '0', '11', '1.5', '1e3', '-1', ' 5', '5 ', '', '0x10', '99999999999999999999']) {
    const message = usageMessage(() => parseIntegerFlag('--timeout-ms', text, 1, 10, 'milliseconds'));
    assert.equal(message, `--timeout-ms: expected an integer from 1 to 10 (milliseconds), got ${JSON.stringify(text)}`);
  }
});

test('parseHeaders lowercases names, trims values and joins repeats', () => {
  assert.deepEqual(parseHeaders(['X-A: 1', 'x-a:2', 'Accept:  text/plain ', 'X-Empty:']), {
    'x-a': '1, 2',
    accept: 'text/plain',
    'x-empty': '',
  });
  assert.deepEqual(parseHeaders(['X-Url: http://a:b@c/']), { 'x-url': 'http://a:b@c/' });
});

test('parseHeaders refuses a line without a token name and never echoes the value', () => {
  for (const line of ['Authorization Bearer s3cret', ': s3cret', 'Bad Name: s3cret']) {
    const message = usageMessage(() => parseHeaders([line]));
    assert.equal(message, '--header: expected "Name: value" with a token header name');
    assert.ok(!message.includes('s3cret'));
  }
});

test('parseAuth builds basic or bearer auth; the password may contain colons', () => {
  assert.deepEqual(parseAuth('ann:pa:ss', undefined), { type: 'basic', username: 'ann', password: 'pa:ss' });
  assert.deepEqual(parseAuth('ann:', undefined), { type: 'basic', username: 'ann', password: '' });
  assert.deepEqual(parseAuth(undefined, 'tok'), { type: 'bearer', token: 'tok' });
  assert.equal(parseAuth(undefined, undefined), null);
});

test('parseAuth refusals never echo the secret', () => {
  assert.equal(usageMessage(() => parseAuth('s3cret', undefined)), '--basic-auth: expected user:password with a non-empty user');
  assert.equal(usageMessage(() => parseAuth(':s3cret', undefined)), '--basic-auth: expected user:password with a non-empty user');
  assert.equal(usageMessage(() => parseAuth(undefined, 's3 cret')), '--bearer: expected a non-empty token without whitespace');
  assert.equal(usageMessage(() => parseAuth('a:b', 'c')), '--basic-auth and --bearer: expected at most one of them');
});

test('parseHostPort reads names, IPv4 and bracketed IPv6', () => {
  assert.deepEqual(parseHostPort('example.com:443'), { host: 'example.com', port: 443 });
  assert.deepEqual(parseHostPort('127.0.0.1:1'), { host: '127.0.0.1', port: 1 });
  assert.deepEqual(parseHostPort('[::1]:65535'), { host: '::1', port: 65535 });
});

test('parseHostPort refuses a missing or out-of-range port and bare IPv6', () => {
  const form = '--tcp: expected host:port, with an IPv6 address in brackets such as [::1]:443';
  assert.equal(usageMessage(() => parseHostPort('example.com')), `${form}, got "example.com"`);
  assert.equal(usageMessage(() => parseHostPort('::1:80')), `${form}, got "::1:80"`);
  assert.equal(usageMessage(() => parseHostPort('a:b')), `${form}, got "a:b"`);
  assert.equal(usageMessage(() => parseHostPort('http://a:80')), `${form}, got "http://a:80"`);
  assert.equal(usageMessage(() => parseHostPort('a:0')), '--tcp: expected a port from 1 to 65535, got "a:0"');
  assert.equal(usageMessage(() => parseHostPort('a:65536')), '--tcp: expected a port from 1 to 65535, got "a:65536"');
});
