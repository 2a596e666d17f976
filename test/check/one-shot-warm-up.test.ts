/**
 * The structural part of "one-shot timings that agree with curl" (docs/performance.md): the
 * warm-up runs before the measured check and never touches the target, the phases a check
 * took are present, and they fit inside totalMs. How close the phases come to curl's is
 * measured by scripts/compare-curl.mjs, not asserted here (a timed assertion would flake).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { CheckResult } from '../../src/domain/check-result.js';
import { defineHttpCheck, defineTcpCheck } from '../../src/domain/check-spec.js';
import { executeOneShotCheck, warmUpPathsFor } from '../../src/check/warm-up/warm-up.js';
import { fixtureCert } from '../helpers/certs.js';
import { loopbackClients } from '../helpers/check-runner.js';

interface Target {
  readonly port: number;
  /** performance.now() of every connection the target accepted */
  readonly arrivals: number[];
  close(): Promise<void>;
}

async function startTarget(isTls: boolean): Promise<Target> {
  const arrivals: number[] = [];
  const onSocket = (socket: Socket): void => {
    socket.on('error', () => socket.destroy());
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello'));
  };
  const server: Server = isTls ? createTlsServer(fixtureCert('valid'), onSocket) : createNetServer(onSocket);
  server.on('connection', () => arrivals.push(performance.now()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function sumOfPhases(result: CheckResult): number {
  const t = result.timings;
  return [t.dnsMs, t.connectMs, t.tlsMs, t.ttfbMs, t.receiveMs].reduce<number>((sum, ms) => sum + (ms ?? 0), 0);
}

describe('one-shot checks warm up first', () => {
  const clients = loopbackClients();
  after(() => clients.close());

  it('picks the paths a spec takes', () => {
    assert.deepEqual(warmUpPathsFor(defineHttpCheck({ url: 'http://example.com/' })), ['http']);
    assert.deepEqual(warmUpPathsFor(defineHttpCheck({ url: 'http://example.com/', followRedirects: true })), ['http', 'https']);
    assert.deepEqual(warmUpPathsFor(defineHttpCheck({ url: 'https://example.com/' })), ['http', 'https']);
    assert.deepEqual(warmUpPathsFor(defineTcpCheck({ kind: 'tcp', host: 'example.com', port: 1 })), ['tcp']);
  });

  for (const isTls of [false, true]) {
    it(`${isTls ? 'HTTPS' : 'plain HTTP'}: warm-up first, on its own listener; every phase present and inside totalMs`, async () => {
      const target = await startTarget(isTls);
      try {
        const spec = defineHttpCheck({ url: `${isTls ? 'https' : 'http'}://127.0.0.1:${target.port}/`, keyword: 'hello' });
        const { warmUp, result } = await executeOneShotCheck(spec, clients);
        assert.deepEqual(warmUp.checks, isTls ? [{ path: 'http', status: 'up' }, { path: 'https', status: 'up' }] : [{ path: 'http', status: 'up' }]);
        // the target saw one connection, the measured check's, after the warm-up was done
        assert.equal(target.arrivals.length, 1);
        assert.ok((target.arrivals[0] as number) >= warmUp.finishedAtMs, 'the target was reached only after the warm-up finished');
        assert.equal(result.status, 'up');
        const t = result.timings;
        assert.equal(t.dnsMs, null, 'an IP literal needs no DNS');
        assert.equal(typeof t.connectMs, 'number');
        assert.equal(t.tlsMs === null, !isTls);
        assert.equal(typeof t.ttfbMs, 'number');
        assert.equal(typeof t.receiveMs, 'number');
        assert.ok(sumOfPhases(result) <= t.totalMs, `phases ${sumOfPhases(result)} ms fit inside total ${t.totalMs} ms`);
      } finally {
        await target.close();
      }
    });
  }

  it('TCP: warms the connect path, then connects once to the target', async () => {
    const target = await startTarget(false);
    try {
      const { warmUp, result } = await executeOneShotCheck(defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port: target.port }), clients);
      assert.deepEqual(warmUp.checks, [{ path: 'tcp', status: 'up' }]);
      assert.equal(result.status, 'up');
      assert.equal(typeof result.timings.connectMs, 'number');
      assert.equal(target.arrivals.length, 1);
    } finally {
      await target.close();
    }
  });
});
