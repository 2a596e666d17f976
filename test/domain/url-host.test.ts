// urlHost / hostPort: the one place an IPv6 address gets its brackets (URLs, Host rules,
// circuit keys, the daemon's own address).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostPort, urlHost } from '../../src/domain/spec-fields.js';

test('an IPv6 address is bracketed once; names and IPv4 stay as they are', () => {
  const rows: Array<[string, string]> = [
    ['::1', '[::1]'],
    ['[::1]', '[::1]'],
    ['fe80::1%eth0', '[fe80::1%eth0]'],
    ['127.0.0.1', '127.0.0.1'],
    ['example.com', 'example.com'],
  ];
  for (const [host, expected] of rows) assert.equal(urlHost(host), expected, host);
  assert.equal(hostPort('::1', 8080), '[::1]:8080');
  assert.equal(hostPort('[::1]', 8080), '[::1]:8080');
  assert.equal(hostPort('example.com', 443), 'example.com:443');
});
