import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildClients } from '../clients.js';
import { defineHttpCheck } from '../../domain/check-spec.js';
import { firstHopPlan } from './hop-plan.js';
import { BoundedMap } from '../bounded-map.js';
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

describe('the plan cache (BoundedMap)', () => {
  it('holds at most maxEntries plans, dropping the oldest', () => {
    const clients = buildClients({ allowPrivateTargets: true, maxCachedPlans: 2 });
    const specs = [1, 2, 3].map((n) => defineHttpCheck({ url: `http://127.0.0.1:${8000 + n}/` }));
    const first = firstHopPlan(specs[0]!, clients);
    firstHopPlan(specs[1]!, clients);
    firstHopPlan(specs[2]!, clients);
    assert.equal(clients.specPlans.size, 2);
    assert.equal(clients.specPlans.get(specs[0]!), undefined, 'the oldest was dropped');
    const again = firstHopPlan(specs[0]!, clients);
    assert.notEqual(again, first, 'planned afresh');
    assert.deepEqual(again.request.http1Head, first.request.http1Head);
  });

  it('re-setting a present key keeps the others', () => {
    const map = new BoundedMap<string, string>(2);
    map.set('a', 'h2');
    map.set('b', 'h2');
    map.set('a', 'http/1.1');
    assert.equal(map.size, 2);
    assert.equal(map.get('a'), 'http/1.1');
    assert.equal(map.get('b'), 'h2');
  });

  it('0 keeps nothing; a negative or fractional bound is refused', () => {
    const none = new BoundedMap<object, number>(0);
    const clients = buildClients({ allowPrivateTargets: true, maxCachedPlans: 0 });
    const spec = defineHttpCheck({ url: 'http://127.0.0.1:8080/' });
    none.set(spec, 1);
    firstHopPlan(spec, clients);
    assert.equal(none.size, 0);
    assert.equal(clients.specPlans.size, 0);
    assert.throws(() => new BoundedMap(-1), /maxEntries: expected an integer >= 0, got -1/);
    assert.throws(() => new BoundedMap(1.5), /maxEntries: expected an integer >= 0/);
  });
});
