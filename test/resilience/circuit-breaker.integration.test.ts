import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { buildClients, executeCheck, type Clients } from '../../src/check/index.js';
import { defineHttpCheck, defineTcpCheck } from '../../src/domain/check-spec.js';
import { createCircuitBreaker } from '../../src/resilience/circuit-breaker.js';
import { reply, startHttpServer } from '../helpers/servers/http-server.js';
import type { TestServer } from '../helpers/servers/test-server.js';

/** A port on 127.0.0.1 where nothing listens: bound, then closed. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('circuit breaker around the real executor', () => {
  let clients: Clients;
  let failing: TestServer;
  let silent: TestServer;

  before(async () => {
    clients = buildClients({ allowPrivateTargets: true });
    failing = await startHttpServer((_req, res) => reply(res, 500, 'broken'));
    silent = await startHttpServer(() => undefined); // accepts, never answers
  });
  after(async () => {
    await failing.close();
    await silent.close();
    await clients.close();
  });

  it('opens after 5 refused connections and refuses the 6th check without I/O', async () => {
    let clockMs = 0;
    const breaker = createCircuitBreaker({ nowMs: () => clockMs });
    const check = breaker.wrap(executeCheck);
    const spec = defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port: await refusedPort(), timeoutMs: 2000 });
    for (let i = 0; i < 5; i++) {
      const result = await check(spec, clients, {});
      assert.equal(result.status, 'down');
      assert.equal(result.errorKind, 'connection_refused');
      assert.equal(result.errorPhase, 'connect');
    }
    assert.equal(breaker.stateOf(spec), 'open');
    clockMs += 30_000;
    const refused = await check(spec, clients, {});
    assert.equal(refused.status, 'error');
    assert.equal(refused.errorKind, 'circuit_open');
    assert.equal(refused.errorFamily, 'transport');
    assert.equal(refused.errorPhase, null);
    assert.equal(refused.timings.connectMs, null);
    assert.equal(refused.timings.totalMs, 0);
    assert.equal(refused.target, spec.host + ':' + spec.port);
    assert.match(refused.detail ?? '', /half-open in 30\.0 s/);
  });

  it('sends no request while open, then lets a trial through after the open period', async () => {
    let clockMs = 0;
    const breaker = createCircuitBreaker({ nowMs: () => clockMs });
    const check = breaker.wrap(executeCheck);
    const spec = defineHttpCheck({ url: silent.url, timeoutMs: 300 });
    for (let i = 0; i < 5; i++) assert.equal((await check(spec, clients, {})).errorKind, 'timeout');
    assert.equal(silent.requests.length, 5);
    for (let i = 0; i < 3; i++) assert.equal((await check(spec, clients, {})).errorKind, 'circuit_open');
    assert.equal(silent.requests.length, 5, 'an open circuit made a request');
    clockMs += 60_000;
    const trial = await check(spec, clients, {});
    assert.equal(trial.errorKind, 'timeout');
    assert.equal(silent.requests.length, 6);
    assert.equal(breaker.stateOf(spec), 'open', 'the failed trial re-opened the circuit');
  });

  it('an endpoint that answers, even with 500, is reachable: its circuit never opens', async () => {
    const breaker = createCircuitBreaker();
    const check = breaker.wrap(executeCheck);
    const spec = defineHttpCheck({ url: failing.url, timeoutMs: 2000 });
    for (let i = 0; i < 8; i++) {
      const result = await check(spec, clients, {});
      assert.equal(result.errorKind, 'unexpected_status');
      assert.equal(result.statusCode, 500);
    }
    assert.equal(failing.requests.length, 8);
    assert.equal(breaker.stateOf(spec), 'closed');
  });
});
