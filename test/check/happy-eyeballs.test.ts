import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedAddress, Resolver } from '../../src/check/dns/resolver-types.js';
import { assertUp } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import { startFixedResponse } from '../helpers/servers/http-catalog.js';

// A dual-stack name whose preferred (IPv6) address refuses: the connection falls back to IPv4
// and the timings stay consecutive (dns, then one connect phase covering the attempts).

function fixedResolver(addresses: readonly ResolvedAddress[]): Resolver & { queries: number } {
  const resolver = {
    queries: 0,
    resolve(): Promise<readonly ResolvedAddress[]> {
      resolver.queries++;
      return Promise.resolve(addresses);
    },
  };
  return resolver;
}

describe('happy eyeballs', () => {
  it('falls back from a refusing ::1 to 127.0.0.1 with honest phases', async () => {
    const resolver = fixedResolver([
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ]);
    const clients = loopbackClients({ resolver });
    try {
      await withServer(startFixedResponse(200, 'ok', {}, '127.0.0.1'), async (server) => {
        const result = await checkHttp(clients, { url: `http://dual.test:${server.port}/` });
        assertUp(result, 200, { dns: true, connect: true, tls: false, ttfb: true, receive: true });
        assert.equal(resolver.queries, 1, 'the resolved addresses are used, not looked up again');
        const t = result.timings;
        const sum = (t.dnsMs ?? 0) + (t.connectMs ?? 0) + (t.ttfbMs ?? 0) + (t.receiveMs ?? 0);
        assert.ok(sum <= t.totalMs, `phases ${sum} ms exceed total ${t.totalMs} ms`);
        assert.equal(server.requests.length, 1);
      });
    } finally {
      await clients.close();
    }
  });
});
