import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import * as raw from '../helpers/servers/raw-catalog.js';

// A fresh HTTP/1.1 check asks the server to close (`Connection: close`, so TIME_WAIT lands on
// the server's side) and owns its connection until the server's FIN arrived: the check
// resolves with its socket closed, so in-flight checks bound the open sockets. The result is
// made before that wait: totalMs never includes it.

describe('fresh HTTP/1.1: the check ends with its connection closed', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('waits for a server that closes 300 ms after the response; totalMs excludes the wait', async () => {
    await withServer(raw.startLateClose(300), async (server) => {
      const t0 = performance.now();
      const result = await checkHttp(clients, { url: server.url });
      const elapsedMs = performance.now() - t0;
      assert.equal(result.status, 'up', JSON.stringify(result));
      assert.equal(result.statusCode, 200);
      assert.equal(result.responseBytes, 2);
      assert.ok(elapsedMs >= 280, `resolved after ${elapsedMs} ms, before the server's FIN`);
      assert.ok(result.timings.totalMs < 250, `totalMs ${result.timings.totalMs} includes the close wait`);
    });
  });

  it('a server that ignores Connection: close holds the check no longer than the budget', async () => {
    await withServer(raw.startIgnoresClose(), async (server) => {
      const t0 = performance.now();
      const result = await checkHttp(clients, { url: server.url, timeoutMs: 800 });
      const elapsedMs = performance.now() - t0;
      assert.equal(result.status, 'up', JSON.stringify(result));
      assert.equal(result.errorKind, null);
      assert.ok(elapsedMs >= 700 && elapsedMs < 1_100, `resolved after ${elapsedMs} ms (budget 800 ms)`);
      assert.ok(result.timings.totalMs < 500, `totalMs ${result.timings.totalMs} includes the close wait`);
    });
  });

  it('... and no longer than the 2 s close grace when the budget is longer', async () => {
    await withServer(raw.startIgnoresClose(), async (server) => {
      const t0 = performance.now();
      const result = await checkHttp(clients, { url: server.url, timeoutMs: 10_000 });
      const elapsedMs = performance.now() - t0;
      assert.equal(result.status, 'up', JSON.stringify(result));
      assert.ok(elapsedMs >= 1_900 && elapsedMs < 2_600, `resolved after ${elapsedMs} ms (grace 2000 ms)`);
      assert.ok(result.timings.totalMs < 500);
    });
  });
});
