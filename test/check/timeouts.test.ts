import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import type { CheckResult } from '../../src/domain/check-result.js';
import { assertFailure, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, checkTcp, loopbackClients, withServer } from '../helpers/check-runner.js';
import * as raw from '../helpers/servers/raw-catalog.js';
import { startH2Server } from '../helpers/servers/h2-catalog.js';
import { startBacklogFull } from '../helpers/servers/backlog-full.js';

// The overall budget: whatever the server does, a check ends at timeoutMs, give or take a
// few ms (the budget is our own timer), and says which phase ran out.

const TIMEOUT_MS = 250;
/** How far past its budget a check may end (timer latency on a busy 2-core machine). */
const OVERRUN_SLACK_MS = 50;

function assertWithinBudget(result: CheckResult, timeoutMs: number): void {
  const total = result.timings.totalMs;
  // 1 ms below: Node timers are scheduled on the loop's cached millisecond clock, so one can
  // fire up to ~1 ms early as measured by performance.now().
  assert.ok(total >= timeoutMs - 1, `totalMs ${total} ended before the ${timeoutMs} ms budget`);
  assert.ok(total < timeoutMs + OVERRUN_SLACK_MS, `totalMs ${total} overran the ${timeoutMs} ms budget`);
}

describe('overall time budget', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('connect that hangs (accept queue full): connect_timeout at connectTimeoutMs', async () => {
    await withServer(startBacklogFull(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: 2_000, connectTimeoutMs: TIMEOUT_MS });
      assertFailure(result, { status: 'down', errorKind: 'connect_timeout', errorPhase: 'connect', phases: PHASES.none });
      assertWithinBudget(result, TIMEOUT_MS);
    });
  });

  it('connect that hangs with less overall budget than connect budget: ends at timeoutMs', async () => {
    await withServer(startBacklogFull(), async (server) => {
      const result = await checkTcp(clients, { host: server.host, port: server.port, timeoutMs: TIMEOUT_MS, connectTimeoutMs: 5_000 });
      assertFailure(result, { status: 'down', errorKind: 'connect_timeout', errorPhase: 'connect', phases: PHASES.none });
      assertWithinBudget(result, TIMEOUT_MS);
    });
  });

  it('headers slower than the budget: timeout in ttfb', async () => {
    await withServer(raw.startSlowHeaders(2_000), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: TIMEOUT_MS });
      assertFailure(result, { status: 'down', errorKind: 'timeout', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
      assertWithinBudget(result, TIMEOUT_MS);
    });
  });

  it('a server that never answers: timeout in ttfb', async () => {
    await withServer(raw.startSilent(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: TIMEOUT_MS });
      assertFailure(result, { status: 'down', errorKind: 'timeout', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
      assertWithinBudget(result, TIMEOUT_MS);
    });
  });

  it('body slower than the budget (no body assertion): body_timeout in receive, ttfb kept', async () => {
    // The body is read to its end even when nothing needs it: only then is the response complete.
    await withServer(raw.startSlowBody(2_000), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: TIMEOUT_MS });
      assertFailure(result, { status: 'down', errorKind: 'body_timeout', errorPhase: 'receive', phases: PHASES.httpNoBodyEnd });
      assertWithinBudget(result, TIMEOUT_MS);
    });
  });

  it('body slower than the budget with a keyword to check: body_timeout as well', async () => {
    await withServer(raw.startSlowBody(2_000), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: TIMEOUT_MS, keyword: 'payload' });
      assertFailure(result, { status: 'down', errorKind: 'body_timeout', errorPhase: 'receive', phases: PHASES.httpNoBodyEnd });
    });
  });

  it('a body within the budget: up, receiveMs covers the delay', async () => {
    const delayMs = 100;
    await withServer(raw.startSlowBody(delayMs), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: 2_000 });
      assert.equal(result.status, 'up', JSON.stringify(result));
      assert.ok((result.timings.receiveMs ?? 0) >= delayMs - 1, `receiveMs ${result.timings.receiveMs}`);
    });
  });

  it('a 304 that claims a Content-Length does not wait for a body', async () => {
    await withServer(raw.startNoBodyStatus(304), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: TIMEOUT_MS, expectStatus: 304 });
      assert.equal(result.status, 'up', JSON.stringify(result));
      assert.ok(result.timings.totalMs < TIMEOUT_MS);
    });
  });

  it('degradedAfterMs: a slow answer within the budget is degraded slow_response', async () => {
    await withServer(raw.startSlowHeaders(80), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: 2_000, degradedAfterMs: 40 });
      assertFailure(result, { status: 'degraded', errorKind: 'slow_response', errorPhase: 'receive', phases: PHASES.httpComplete });
      assert.equal(result.statusCode, 200);
    });
  });

  it('h2c stream slower than the budget: timeout in ttfb', async () => {
    await withServer(startH2Server({ delayMs: 2_000 }), async (server) => {
      const result = await checkHttp(clients, { url: server.url, timeoutMs: TIMEOUT_MS, http2: 'prior-knowledge' });
      assertFailure(result, { status: 'down', errorKind: 'timeout', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
      assertWithinBudget(result, TIMEOUT_MS);
    });
  });
});
