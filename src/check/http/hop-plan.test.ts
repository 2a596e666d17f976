import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildClients } from '../clients.js';
import { defineHttpCheck } from '../../domain/check-spec.js';
import { firstHopPlan } from './hop-plan.js';
import { BoundedMap } from '../bounded-map.js';
import { SpecCache } from '../spec-cache.js';
import { HpackDecoder } from '../http2/hpack/index.js';

function decodeBlock(block: Buffer | undefined): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  if (block !== undefined) new HpackDecoder().decode(block, (name, value) => fields.push([name, value]));
  return fields;
}

describe('first-hop plans', () => {
  it('are built once per spec and reused', () => {
    const clients = buildClients({ allowPrivateTargets: true });
    const spec = defineHttpCheck({ url: 'http://127.0.0.1:8080/health?x=1' });
    const plan = firstHopPlan(spec, clients);
    assert.equal(firstHopPlan(spec, clients), plan);
    assert.equal(plan.request.http1Head, 'GET /health?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nuser-agent: Vigil/0.1 (+uptime check)\r\naccept: */*\r\naccept-encoding: gzip, br\r\nconnection: close\r\n\r\n');
    assert.equal(plan.request.h2Block, undefined, 'no h2 block for a plain HTTP/1.1 check');
    assert.equal(plan.poolKey, '', 'fresh connections have no pool key');
    // A spec without headers of its own shares the default header list.
    assert.equal(plan.request.headers, firstHopPlan(defineHttpCheck({ url: 'http://127.0.0.1:8081/' }), clients).request.headers);
  });

  it('render the h2 block with prior knowledge and key pooled insecure TLS apart', () => {
    const clients = buildClients({ allowPrivateTargets: true });
    const h2c = firstHopPlan(defineHttpCheck({ url: 'http://127.0.0.1:8080/', http2: 'prior-knowledge', connection: 'pooled' }), clients);
    assert.equal(h2c.request.http1Head, undefined);
    assert.deepEqual(decodeBlock(h2c.request.h2Block), [
      [':method', 'GET'], [':scheme', 'http'], [':authority', '127.0.0.1:8080'], [':path', '/'],
      ['user-agent', 'Vigil/0.1 (+uptime check)'], ['accept', '*/*'], ['accept-encoding', 'gzip, br'],
    ]);
    assert.equal(h2c.poolKey, 'http://127.0.0.1:8080');
    assert.notEqual(h2c.h2Connect, undefined);
    const insecure = firstHopPlan(defineHttpCheck({ url: 'https://127.0.0.1:8443/', connection: 'pooled', verifyTls: false }), clients);
    assert.equal(insecure.poolKey, 'https://127.0.0.1:8443 insecure');
  });
});

describe('the plan cache (SpecCache)', () => {
  it('keeps the first maxEntries plans and admits no more while they live', () => {
    const clients = buildClients({ allowPrivateTargets: true, maxCachedPlans: 2 });
    const specs = [1, 2, 3].map((n) => defineHttpCheck({ url: `http://127.0.0.1:${8000 + n}/` }));
    const first = firstHopPlan(specs[0]!, clients);
    const second = firstHopPlan(specs[1]!, clients);
    const third = firstHopPlan(specs[2]!, clients);
    assert.equal(clients.specPlans.size, 2);
    // a cycle over more specs than places still hits for the ones admitted (oldest-out never would)
    for (let lap = 0; lap < 3; lap++) {
      assert.equal(firstHopPlan(specs[0]!, clients), first, 'admitted: reused');
      assert.equal(firstHopPlan(specs[1]!, clients), second, 'admitted: reused');
      const again = firstHopPlan(specs[2]!, clients);
      assert.notEqual(again, third, 'not admitted: planned afresh each time');
      assert.deepEqual(again.request.http1Head, third.request.http1Head);
    }
    assert.equal(clients.specPlans.size, 2);
  });

  it('re-setting a present key replaces its value', () => {
    const cache = new SpecCache<object, string>(1);
    const a = {};
    cache.set(a, 'h2');
    cache.set(a, 'http/1.1');
    cache.set({}, 'other');
    assert.equal(cache.size, 1);
    assert.equal(cache.get(a), 'http/1.1');
  });

  it('0 keeps nothing; a negative or fractional bound is refused', () => {
    const clients = buildClients({ allowPrivateTargets: true, maxCachedPlans: 0 });
    firstHopPlan(defineHttpCheck({ url: 'http://127.0.0.1:8080/' }), clients);
    assert.equal(clients.specPlans.size, 0);
    assert.throws(() => new SpecCache(-1), /maxEntries: expected an integer >= 0, got -1/);
    assert.throws(() => new SpecCache(1.5), /maxEntries: expected an integer >= 0/);
  });
});

describe('BoundedMap (ALPN choices)', () => {
  it('holds at most maxEntries keys, dropping the oldest; re-setting a present key keeps the others', () => {
    const map = new BoundedMap<string, string>(2);
    map.set('a', 'h2');
    map.set('b', 'h2');
    map.set('a', 'http/1.1');
    assert.equal(map.size, 2);
    assert.equal(map.get('a'), 'http/1.1');
    map.set('c', 'h2');
    assert.equal(map.get('a'), undefined, 'the oldest was dropped');
    assert.equal(map.get('b'), 'h2');
    assert.throws(() => new BoundedMap(-1), /maxEntries: expected an integer >= 0, got -1/);
  });
});
