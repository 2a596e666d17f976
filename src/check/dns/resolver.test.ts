import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDnsServer, type DnsTestServer } from '../../../test/helpers/servers/dns-server.js';
import { classifyError } from '../errors/classify.js';
import { createResolver, interleaveFamilies, type ResolverOptions } from './resolver.js';
import type { DnsConfig } from './resolver-types.js';

const CONFIG: DnsConfig = { maxPositiveTtlMs: 60_000, maxNegativeTtlMs: 10_000, maxEntries: 100 };

let server: DnsTestServer;
let clockMs = 0;

function resolverWith(config: Partial<DnsConfig> = {}, options: ResolverOptions = {}) {
  return createResolver({ ...CONFIG, ...config }, { servers: [server.server], hostsFallback: false, queryTimeoutMs: 300, queryTries: 1, nowMs: () => clockMs, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  assert.fail('expected the lookup to fail');
}

describe('resolver against a local DNS server', () => {
  before(async () => {
    server = await startDnsServer();
  });
  after(() => server.close());

  it('answers localhost and *.localhost with loopback without asking DNS (RFC 6761)', async () => {
    // The server would answer something else: it must never be asked.
    server.plan('localhost', { a: [{ address: '93.184.216.34', ttlS: 60 }] });
    server.plan('api.localhost', { a: [{ address: '93.184.216.35', ttlS: 60 }] });
    const loopback = [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }];
    assert.deepEqual(await resolverWith().resolve('localhost', 1000), loopback);
    assert.deepEqual(await resolverWith().resolve('API.Localhost.', 1000), loopback);
    assert.deepEqual(await resolverWith({}, { preferredFamily: 4 }).resolve('localhost', 1000), [loopback[1], loopback[0]]);
    assert.equal(server.queryCount('localhost', 'A') + server.queryCount('localhost', 'AAAA'), 0);
    assert.equal(server.queryCount('api.localhost', 'A') + server.queryCount('api.localhost', 'AAAA'), 0);
    // Only the label: a name that merely ends in "localhost" is an ordinary name.
    server.plan('notlocalhost', { a: [{ address: '93.184.216.36', ttlS: 60 }] });
    assert.deepEqual(await resolverWith().resolve('notlocalhost', 1000), [{ address: '93.184.216.36', family: 4 }]);
  });

  it('answers from the cache within the record TTL, then asks again', async () => {
    server.plan('ttl.test', { a: [{ address: '93.184.216.34', ttlS: 2 }] });
    const resolver = resolverWith();
    clockMs = 0;
    const first = await resolver.resolve('ttl.test', 1000);
    assert.deepEqual(first, [{ address: '93.184.216.34', family: 4 }]);
    clockMs = 1999;
    assert.equal(await resolver.resolve('ttl.test', 1000), first);
    assert.equal(server.queryCount('ttl.test', 'A'), 1);
    assert.equal(server.queryCount('ttl.test', 'AAAA'), 1);
    clockMs = 2000;
    assert.deepEqual(await resolver.resolve('ttl.test', 1000), first);
    assert.equal(server.queryCount('ttl.test', 'A'), 2);
  });

  it('caps a long record TTL at maxPositiveTtlMs', async () => {
    server.plan('cap.test', { a: [{ address: '93.184.216.34', ttlS: 86_400 }] });
    const resolver = resolverWith({ maxPositiveTtlMs: 1000 });
    clockMs = 0;
    await resolver.resolve('cap.test', 1000);
    clockMs = 999;
    await resolver.resolve('cap.test', 1000);
    assert.equal(server.queryCount('cap.test', 'A'), 1);
    clockMs = 1000;
    await resolver.resolve('cap.test', 1000);
    assert.equal(server.queryCount('cap.test', 'A'), 2);
  });

  it('does not cache a TTL of 0', async () => {
    server.plan('zero.test', { a: [{ address: '93.184.216.34', ttlS: 0 }] });
    const resolver = resolverWith();
    clockMs = 0;
    await resolver.resolve('zero.test', 1000);
    await resolver.resolve('zero.test', 1000);
    assert.equal(server.queryCount('zero.test', 'A'), 2);
  });

  it('caches NXDOMAIN for maxNegativeTtlMs and keeps the ENOTFOUND code (dns_no_record)', async () => {
    const resolver = resolverWith({ maxNegativeTtlMs: 5000 });
    clockMs = 0;
    const err = await rejection(resolver.resolve('nx.test', 1000));
    assert.equal(err.code, 'ENOTFOUND');
    assert.equal(classifyError(err, 'dns').kind, 'dns_no_record');
    clockMs = 4999;
    assert.equal((await rejection(resolver.resolve('nx.test', 1000))).code, 'ENOTFOUND');
    assert.equal(server.queryCount('nx.test', 'A'), 1);
    clockMs = 5000;
    await rejection(resolver.resolve('nx.test', 1000));
    assert.equal(server.queryCount('nx.test', 'A'), 2);
  });

  it('caches no-data (name exists, no A/AAAA) as ENODATA', async () => {
    server.plan('nodata.test', {});
    const resolver = resolverWith();
    clockMs = 0;
    const err = await rejection(resolver.resolve('nodata.test', 1000));
    assert.equal(err.code, 'ENODATA');
    assert.equal(classifyError(err, 'dns').kind, 'dns_no_record');
    await rejection(resolver.resolve('nodata.test', 1000));
    assert.equal(server.queryCount('nodata.test', 'A'), 1);
  });

  it('does not cache SERVFAIL, which classifies as dns_failed', async () => {
    server.plan('servfail.test', { rcode: 'SERVFAIL' });
    const resolver = resolverWith();
    clockMs = 0;
    const err = await rejection(resolver.resolve('servfail.test', 1000));
    assert.equal(err.code, 'ESERVFAIL');
    assert.equal(classifyError(err, 'dns').kind, 'dns_failed');
    await rejection(resolver.resolve('servfail.test', 1000));
    assert.equal(server.queryCount('servfail.test', 'A'), 2);
  });

  it('times out on its own timer with ETIMEOUT (dns_failed)', async () => {
    server.plan('silent.test', { silent: true });
    const resolver = resolverWith();
    const startMs = performance.now();
    const err = await rejection(resolver.resolve('silent.test', 100));
    const elapsedMs = performance.now() - startMs;
    assert.equal(err.code, 'ETIMEOUT');
    assert.equal(classifyError(err, 'dns').kind, 'dns_failed');
    assert.ok(elapsedMs >= 95, `timed out after ${elapsedMs} ms, before the 100 ms budget`);
    // Our timer, not c-ares giving up (300 ms per try here), ended the lookup.
    assert.match(err.message, /DNS lookup of silent\.test timed out after 100 ms/);
  });

  it('a caller that timed out still lets the shared query fill the cache', async () => {
    server.plan('slow.test', { a: [{ address: '93.184.216.34', ttlS: 60 }], delayMs: 120 });
    const resolver = resolverWith();
    clockMs = 0;
    assert.equal((await rejection(resolver.resolve('slow.test', 20))).code, 'ETIMEOUT');
    const late = await resolver.resolve('slow.test', 1000); // joins the query still in flight
    assert.deepEqual(late, [{ address: '93.184.216.34', family: 4 }]);
    assert.equal(await resolver.resolve('slow.test', 1000), late);
    assert.equal(server.queryCount('slow.test', 'A'), 1);
  });

  it('orders addresses happy-eyeballs style: families interleaved, IPv6 first by default', async () => {
    server.plan('dual.test', {
      a: [{ address: '93.184.216.1', ttlS: 60 }, { address: '93.184.216.2', ttlS: 60 }, { address: '93.184.216.3', ttlS: 60 }],
      aaaa: [{ address: '2606:2800::1', ttlS: 60 }, { address: '2606:2800::2', ttlS: 60 }],
    });
    const expected6First = [
      { address: '2606:2800::1', family: 6 },
      { address: '93.184.216.1', family: 4 },
      { address: '2606:2800::2', family: 6 },
      { address: '93.184.216.2', family: 4 },
      { address: '93.184.216.3', family: 4 },
    ];
    assert.deepEqual(await resolverWith().resolve('dual.test', 1000), expected6First);
    const v4First = await resolverWith({}, { preferredFamily: 4 }).resolve('dual.test', 1000);
    assert.deepEqual(v4First.map((a) => a.address), ['93.184.216.1', '2606:2800::1', '93.184.216.2', '2606:2800::2', '93.184.216.3']);
  });

  it('uses the family that answers when the other has no records', async () => {
    server.plan('v6only.test', { aaaa: [{ address: '2606:2800::7', ttlS: 60 }] });
    assert.deepEqual(await resolverWith().resolve('v6only.test', 1000), [{ address: '2606:2800::7', family: 6 }]);
  });

  it('shares one in-flight query among concurrent callers', async () => {
    server.plan('shared.test', { a: [{ address: '93.184.216.34', ttlS: 60 }], delayMs: 50 });
    const resolver = resolverWith();
    clockMs = 0;
    const answers = await Promise.all(Array.from({ length: 25 }, () => resolver.resolve('shared.test', 1000)));
    for (const answer of answers) assert.equal(answer, answers[0]);
    assert.equal(server.queryCount('shared.test', 'A'), 1);
    assert.equal(server.queryCount('shared.test', 'AAAA'), 1);
  });

  it('treats case and a trailing dot as the same name', async () => {
    server.plan('canon.test', { a: [{ address: '93.184.216.34', ttlS: 60 }] });
    const resolver = resolverWith();
    clockMs = 0;
    const first = await resolver.resolve('canon.test', 1000);
    assert.equal(await resolver.resolve('CANON.Test.', 1000), first);
    assert.equal(server.queryCount('canon.test', 'A'), 1);
  });

  it('evicts the least recently used name beyond maxEntries', async () => {
    for (const n of ['lru-a', 'lru-b', 'lru-c', 'lru-d']) server.plan(`${n}.test`, { a: [{ address: '93.184.216.34', ttlS: 60 }] });
    const resolver = resolverWith({ maxEntries: 2 });
    clockMs = 0;
    for (const n of ['lru-a', 'lru-b', 'lru-c']) await resolver.resolve(`${n}.test`, 1000); // a evicted
    await resolver.resolve('lru-b.test', 1000); // hit: b becomes most recent, c is oldest
    await resolver.resolve('lru-d.test', 1000); // evicts c
    await resolver.resolve('lru-b.test', 1000);
    await resolver.resolve('lru-a.test', 1000);
    await resolver.resolve('lru-c.test', 1000);
    assert.deepEqual(['lru-a', 'lru-b', 'lru-c', 'lru-d'].map((n) => server.queryCount(`${n}.test`, 'A')), [2, 1, 2, 1]);
  });

  it('falls back to getaddrinfo (/etc/hosts) when DNS has no record', async () => {
    // The local server answers NXDOMAIN for this machine's host name; getaddrinfo knows it
    // from /etc/hosts (or nss-myhostname). localhost itself never reaches DNS (RFC 6761).
    const name = hostname().toLowerCase();
    const system = await lookup(name, { all: true }).catch(() => null);
    // An empty hosts file of our own, so the name reaches DNS and then the fallback.
    const empty = join(mkdtempSync(join(tmpdir(), 'vigil-hosts-')), 'hosts');
    writeFileSync(empty, '');
    const resolver = resolverWith({}, { hostsFallback: true, hostsPath: empty });
    if (system === null) {
      const err = await rejection(resolver.resolve(name, 1000));
      assert.equal(classifyError(err, 'dns').kind, 'dns_no_record');
    } else {
      const addresses = await resolver.resolve(name, 1000);
      assert.deepEqual(new Set(addresses.map((a) => a.address)), new Set(system.map((a) => a.address)));
    }
    assert.equal(server.queryCount(name, 'A'), 1);
  });

  it('passes IP literals through without a query', async () => {
    const resolver = resolverWith();
    assert.deepEqual(await resolver.resolve('127.0.0.1', 1000), [{ address: '127.0.0.1', family: 4 }]);
    assert.deepEqual(await resolver.resolve('::1', 1000), [{ address: '::1', family: 6 }]);
  });
});

describe('resolver without a DNS server', () => {
  it('reports a refused DNS server as dns_failed, uncached', async () => {
    const gone = await startDnsServer();
    const port = gone.server;
    await gone.close(); // nothing listens there now: the kernel answers ICMP port unreachable
    const resolver = createResolver(CONFIG, { servers: [port], hostsFallback: false, queryTimeoutMs: 300, queryTries: 1 });
    const err = await rejection(resolver.resolve('refused.test', 2000));
    assert.equal(err.code, 'ECONNREFUSED');
    assert.equal(classifyError(err, 'dns').kind, 'dns_failed');
  });

  it('reads the hosts file before DNS, as getaddrinfo does: a listed name resolves with the DNS server unreachable', async () => {
    const gone = await startDnsServer();
    const port = gone.server;
    await gone.close();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-hosts-'));
    const hostsPath = join(dir, 'hosts');
    writeFileSync(hostsPath, '# comment\n127.0.0.5   Listed.Test  alias.test # trailing\n::5 listed.test\nnot-an-ip nope.test\n');
    const resolver = createResolver(CONFIG, { servers: [port], hostsFallback: false, hostsPath, queryTimeoutMs: 300, queryTries: 1 });
    assert.deepEqual(await resolver.resolve('listed.test', 2000), [
      { address: '::5', family: 6 },
      { address: '127.0.0.5', family: 4 },
    ]);
    assert.deepEqual(await resolver.resolve('ALIAS.test.', 2000), [{ address: '127.0.0.5', family: 4 }]);
    assert.equal((await rejection(resolver.resolve('nope.test', 2000))).code, 'ECONNREFUSED', 'a name not listed still goes to DNS');
    const missing = createResolver(CONFIG, { servers: [port], hostsFallback: false, hostsPath: join(dir, 'absent'), queryTimeoutMs: 300, queryTries: 1 });
    assert.equal((await rejection(missing.resolve('listed.test', 2000))).code, 'ECONNREFUSED', 'no hosts file: no entries');
  });

  it('rejects an invalid config naming the field', () => {
    assert.throws(() => createResolver({ ...CONFIG, maxPositiveTtlMs: 0 }), /dns\.maxPositiveTtlMs: expected a positive number/);
    assert.throws(() => createResolver({ ...CONFIG, maxEntries: Number.NaN }), /dns\.maxEntries/);
  });

  it('interleaves families without duplicates', () => {
    assert.deepEqual(interleaveFamilies(['::a', '::a'], ['1.1.1.1', '1.1.1.1', '2.2.2.2'], 6), [
      { address: '::a', family: 6 },
      { address: '1.1.1.1', family: 4 },
      { address: '2.2.2.2', family: 4 },
    ]);
  });
});
