import { it } from 'node:test';
import assert from 'node:assert/strict';
import { defineHttpCheck, defineTcpCheck } from '../domain/check-spec.js';
import { canonicalHost, circuitKeyOf, hostOfSpec } from './circuit-key.js';

it('reads the canonical host out of http specs', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['https://api.example.com/health', 'api.example.com'],
    ['HTTP://API.Example.COM./x?y=1#z', 'api.example.com'],
    ['http://api.example.com:8080', 'api.example.com'],
    ['http://user:p%40ss@api.example.com:8080/a@b', 'api.example.com'],
    ['http://[::1]:8080/', '::1'],
    ['http://[2001:DB8::1]/', '2001:db8::1'],
    ['http://127.0.0.1:9/', '127.0.0.1'],
    ['https://xn--bcher-kva.example/', 'xn--bcher-kva.example'],
    ['https://bücher.example/', 'xn--bcher-kva.example'],
  ];
  for (const [url, host] of cases) assert.equal(hostOfSpec(defineHttpCheck({ url })), host, url);
});

it('reads the canonical host out of tcp specs', () => {
  assert.equal(hostOfSpec(defineTcpCheck({ kind: 'tcp', host: 'DB.Example.com.', port: 5432 })), 'db.example.com');
  assert.equal(hostOfSpec(defineTcpCheck({ kind: 'tcp', host: '[::1]', port: 22 })), '::1');
});

it('canonicalises host names given to stateOf', () => {
  assert.equal(canonicalHost('[FE80::1]'), 'fe80::1');
  assert.equal(canonicalHost('Example.COM.'), 'example.com');
  assert.equal(canonicalHost('example.com'), 'example.com');
});

it('keys a circuit by scheme, canonical host and port: what fails together', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['https://API.example.com./health', 'https://api.example.com:443'],
    ['http://api.example.com/health', 'http://api.example.com:80'],
    ['http://api.example.com:8080/x?y=1', 'http://api.example.com:8080'],
    ['http://user:p%40ss@api.example.com:8080/a@b:9', 'http://api.example.com:8080'],
    ['http://user:pw@[::1]/', 'http://[::1]:80'],
    ['http://[2001:DB8::1]:8443/', 'http://[2001:db8::1]:8443'],
    ['http://127.0.0.1:18001/t1', 'http://127.0.0.1:18001'],
  ];
  for (const [url, key] of cases) assert.equal(circuitKeyOf(defineHttpCheck({ url })), key, url);
  assert.equal(circuitKeyOf(defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port: 18009 })), 'tcp://127.0.0.1:18009');
  assert.equal(circuitKeyOf(defineTcpCheck({ kind: 'tcp', host: '[::1]', port: 22 })), 'tcp://[::1]:22');
});
