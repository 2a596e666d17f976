import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import { startHttpServer } from '../helpers/servers/http-server.js';

// The pooled HTTP/1.1 policy: keep-alive sockets are reused per origin, and a reused
// connection reports it and measures no dns/connect/tls.

describe('pooled HTTP/1.1', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('reuses one keep-alive connection: connectionReused true, no connect phase on reuse', async () => {
    const remotePorts = new Set<number>();
    const start = startHttpServer((req, res) => {
      remotePorts.add(req.socket.remotePort ?? -1);
      res.end('ok');
    });
    await withServer(start, async (server) => {
      const first = await checkHttp(clients, { url: server.url, connection: 'pooled' });
      assertUp(first, 200, PHASES.httpComplete);
      assert.equal(first.connectionReused, false);
      const second = await checkHttp(clients, { url: server.url, connection: 'pooled' });
      assertUp(second, 200, { dns: false, connect: false, tls: false, ttfb: true, receive: true });
      assert.equal(second.connectionReused, true);
      assert.equal(remotePorts.size, 1, 'both checks used one TCP connection');
      assert.equal(server.requests.at(-1)?.headers['connection'], 'keep-alive');
    });
  });

  it('fresh checks to the same server never reuse and ask the server to close', async () => {
    const remotePorts = new Set<number>();
    const start = startHttpServer((req, res) => {
      remotePorts.add(req.socket.remotePort ?? -1);
      res.end('ok');
    });
    await withServer(start, async (server) => {
      for (let i = 0; i < 3; i++) {
        const result = await checkHttp(clients, { url: server.url });
        assertUp(result, 200, PHASES.httpComplete);
        assert.equal(result.connectionReused, false);
      }
      assert.equal(remotePorts.size, 3);
      assert.equal(server.requests.at(-1)?.headers['connection'], 'close');
    });
  });
});
