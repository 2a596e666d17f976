/**
 * `vigil check` warms its code paths on its own loopback listener before the measured check
 * (src/check/warm-up): the target sees exactly one connection, and the printed phases fit
 * inside totalMs. Closeness to curl is measured by scripts/compare-curl.mjs, not asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { fixtureCert, fixtureCertPath } from '../helpers/certs.js';
import { runVigil } from './run-vigil.js';

const CA_FILE = fixtureCertPath('ca.pem');

for (const isTls of [false, true]) {
  test(`vigil check ${isTls ? 'https' : 'http'}: one connection to the target, phases inside totalMs`, async () => {
    let connections = 0;
    const answer = (socket: Socket): void => {
      socket.on('error', () => socket.destroy());
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
    };
    const server = isTls ? createTlsServer(fixtureCert('valid'), answer) : createServer(answer);
    server.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const url = `${isTls ? 'https' : 'http'}://127.0.0.1:${port}/`;
      const run = await runVigil(['check', '--json', '--allow-private', ...(isTls ? ['--ca', CA_FILE] : []), url]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(connections, 1, 'the warm-up never touched the target');
      const t = (JSON.parse(run.stdout) as { timings: Record<string, number | null> }).timings;
      assert.equal(t.dnsMs, null);
      assert.equal(t.tlsMs === null, !isTls);
      for (const phase of ['connectMs', 'ttfbMs', 'receiveMs']) assert.equal(typeof t[phase], 'number', phase);
      const sum = [t.connectMs, t.tlsMs, t.ttfbMs, t.receiveMs].reduce<number>((s, ms) => s + (ms ?? 0), 0);
      assert.ok(sum <= (t.totalMs as number), `phases ${sum} ms fit inside total ${t.totalMs} ms`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
}
