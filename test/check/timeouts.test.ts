import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import type { CheckResult } from '../../src/domain/check-result.js';
import { assertFailure, PHASES, type ExpectedFailure } from '../helpers/check-assertions.js';
import type { TestServer } from '../helpers/servers/test-server.js';
import { checkHttp, checkTcp, loopbackClients, withServer } from '../helpers/check-runner.js';
import * as raw from '../helpers/servers/raw-catalog.js';
import { startH2Server } from '../helpers/servers/h2-catalog.js';
import { startBacklogFull } from '../helpers/servers/backlog-full.js';

// The overall budget: whatever the server does, a check ends at timeoutMs, give or take a
// few ms (the budget is our own timer), and says which phase ran out.

const TIMEOUT_MS = 250;
/** How far past its budget a check may end beyond the loop's own lateness (see timerLateness). */
const OVERRUN_SLACK_MS = 50;

/**
 * How late a bare timer set for `ms` fires, measured alongside a check: on a loaded machine the
 * event loop itself can be late, and the check cannot end before its loop gets to run.
 */
function timerLateness(ms: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => setTimeout(() => resolve(Math.max(0, performance.now() - started - ms)), ms));
}

function assertWithinBudget(result: CheckResult, timeoutMs: number, loopLatenessMs: number): void {
  const total = result.timings.totalMs;
  // 1 ms below: Node timers are scheduled on the loop's cached millisecond clock, so one can
  // fire up to ~1 ms early as measured by performance.now().
  assert.ok(total >= timeoutMs - 1, `totalMs ${total} ended before the ${timeoutMs} ms budget`);
  assert.ok(
    total < timeoutMs + OVERRUN_SLACK_MS + loopLatenessMs,
    `totalMs ${total} overran the ${timeoutMs} ms budget (a bare timer beside it was ${loopLatenessMs.toFixed(1)} ms late)`,
  );
}

describe('overall time budget', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  // One row per way a server can be too slow: the phase that ran out names the kind, and the
  // check ends at its budget.
  const budgetRows: ReadonlyArray<{
    readonly name: string;
    readonly start: () => Promise<TestServer>;
    readonly run: (server: TestServer) => Promise<CheckResult>;
    readonly expect: ExpectedFailure;
  }> = [
    {
      name: 'connect that hangs (accept queue full): connect_timeout at connectTimeoutMs',
      start: startBacklogFull,
      run: (server) => checkHttp(clients, { url: server.url, timeoutMs: 2_000, connectTimeoutMs: TIMEOUT_MS }),
      expect: { status: 'down', errorKind: 'connect_timeout', errorPhase: 'connect', phases: PHASES.none },
    },
    {
      name: 'connect that hangs with less overall budget than connect budget: ends at timeoutMs',
      start: startBacklogFull,
      run: (server) => checkTcp(clients, { host: server.host, port: server.port, timeoutMs: TIMEOUT_MS, connectTimeoutMs: 5_000 }),
      expect: { status: 'down', errorKind: 'connect_timeout', errorPhase: 'connect', phases: PHASES.none },
    },
    {
      name: 'headers slower than the budget: timeout in ttfb',
      start: () => raw.startSlowHeaders(2_000),
      run: (server) => checkHttp(clients, { url: server.url, timeoutMs: TIMEOUT_MS }),
      expect: { status: 'down', errorKind: 'timeout', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders },
    },
    {
      name: 'a server that never answers: timeout in ttfb',
      start: raw.startSilent,
      run: (server) => checkHttp(clients, { url: server.url, timeoutMs: TIMEOUT_MS }),
      expect: { status: 'down', errorKind: 'timeout', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders },
    },
    {
      // The body is read to its end even when nothing needs it: only then is the response complete.
      name: 'body slower than the budget (no body assertion): body_timeout in receive, ttfb kept',
      start: () => raw.startSlowBody(2_000),
      run: (server) => checkHttp(clients, { url: server.url, timeoutMs: TIMEOUT_MS }),
      expect: { status: 'down', errorKind: 'body_timeout', errorPhase: 'receive', phases: PHASES.httpNoBodyEnd },
    },
    {
      name: 'h2c stream slower than the budget: timeout in ttfb',
      start: () => startH2Server({ delayMs: 2_000 }),
      run: (server) => checkHttp(clients, { url: server.url, timeoutMs: TIMEOUT_MS, http2: 'prior-knowledge' }),
      expect: { status: 'down', errorKind: 'timeout', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders },
    },
  ];
  for (const row of budgetRows) {
    it(row.name, async () => {
      await withServer(row.start(), async (server) => {
        const [result, lateness] = await Promise.all([row.run(server), timerLateness(TIMEOUT_MS)]);
        assertFailure(result, row.expect);
        assertWithinBudget(result, TIMEOUT_MS, lateness);
      });
    });
  }

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
      // The server writes the body delayMs after the headers. The client sees the headers when
      // its loop next runs, which on a loaded machine can be tens of ms late, and that lateness
      // moves from receive to ttfb: the two together always hold the delay, and receive is there.
      const ttfbMs = result.timings.ttfbMs ?? 0;
      const receiveMs = result.timings.receiveMs ?? 0;
      assert.ok(receiveMs > 0, `receiveMs ${receiveMs}`);
      assert.ok(ttfbMs + receiveMs >= delayMs - 1, `ttfbMs ${ttfbMs} + receiveMs ${receiveMs} < ${delayMs}`);
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
});
