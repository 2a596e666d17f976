import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { assertFailure, assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import * as raw from '../helpers/servers/raw-catalog.js';
import { startFixedResponse, startRateLimited, startUnavailable } from '../helpers/servers/http-catalog.js';

// Verdicts: the exchange completed and the target was judged. All phases are present; the
// error phase of a verdict on a complete response is 'receive'.

describe('status verdicts', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('429 not expected: degraded rate_limited, Retry-After in detail', async () => {
    await withServer(startRateLimited('37'), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertFailure(result, { status: 'degraded', errorKind: 'rate_limited', errorPhase: 'receive', phases: PHASES.httpComplete });
      assert.equal(result.statusCode, 429);
      assert.match(result.detail ?? '', /\b37\b/);
    });
  });

  it('503 not expected: degraded service_unavailable, Retry-After in detail', async () => {
    await withServer(startUnavailable('120'), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertFailure(result, { status: 'degraded', errorKind: 'service_unavailable', errorPhase: 'receive', phases: PHASES.httpComplete });
      assert.equal(result.statusCode, 503);
      assert.match(result.detail ?? '', /\b120\b/);
    });
  });

  it('429 that is expected: up', async () => {
    await withServer(startRateLimited(), async (server) => {
      assertUp(await checkHttp(clients, { url: server.url, expectStatus: '429' }), 429, PHASES.httpComplete);
    });
  });

  it('500 against the default 200-399: down unexpected_status, detail names both', async () => {
    await withServer(startFixedResponse(500, 'boom'), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertFailure(result, { status: 'down', errorKind: 'unexpected_status', errorPhase: 'receive', phases: PHASES.httpComplete });
      assert.match(result.detail ?? '', /500/);
      assert.match(result.detail ?? '', /200-399/);
    });
  });

  it('expectStatus exact, range and set', async () => {
    await withServer(startFixedResponse(204, ''), async (server) => {
      assertUp(await checkHttp(clients, { url: server.url, expectStatus: 204 }), 204, PHASES.httpComplete);
      assertUp(await checkHttp(clients, { url: server.url, expectStatus: '200-204' }), 204, PHASES.httpComplete);
      assertUp(await checkHttp(clients, { url: server.url, expectStatus: '200,204,300-399' }), 204, PHASES.httpComplete);
      const miss = await checkHttp(clients, { url: server.url, expectStatus: '200,201' });
      assertFailure(miss, { status: 'down', errorKind: 'unexpected_status', errorPhase: 'receive', phases: PHASES.httpComplete });
    });
  });
});

describe('body verdicts', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('keyword present: up; absent: body_match_failed; case-sensitive', async () => {
    await withServer(startFixedResponse(200, 'Service is Healthy'), async (server) => {
      assertUp(await checkHttp(clients, { url: server.url, keyword: 'is Healthy' }), 200, PHASES.httpComplete);
      const miss = await checkHttp(clients, { url: server.url, keyword: 'is healthy' });
      assertFailure(miss, { status: 'down', errorKind: 'body_match_failed', errorPhase: 'receive', phases: PHASES.httpComplete });
      assert.equal(miss.statusCode, 200);
    });
  });

  it('regex match: up; no match: body_match_failed', async () => {
    await withServer(startFixedResponse(200, '{"status":"ok","version":"1.4.2"}'), async (server) => {
      assertUp(await checkHttp(clients, { url: server.url, bodyRegex: '"version":"\\d+\\.\\d+\\.\\d+"' }), 200, PHASES.httpComplete);
      const miss = await checkHttp(clients, { url: server.url, bodyRegex: '"status":"degraded"' });
      assertFailure(miss, { status: 'down', errorKind: 'body_match_failed', errorPhase: 'receive', phases: PHASES.httpComplete });
    });
  });

  it('an unexpected status wins over a body mismatch', async () => {
    await withServer(startFixedResponse(500, 'nothing here'), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'absent' });
      assert.equal(result.errorKind, 'unexpected_status');
    });
  });

  it('body over the 1 MiB raw cap, no assertion: up, read stopped at the cap', async () => {
    await withServer(raw.startOversizedBody(), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertUp(result, 200, PHASES.httpComplete);
      assert.equal(result.responseBytes, 1024 * 1024);
    });
  });

  it('body over the 1 MiB raw cap with a keyword (even one that is there): body_over_cap', async () => {
    await withServer(raw.startOversizedBody(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'needle' });
      assertFailure(result, { status: 'down', errorKind: 'body_over_cap', errorPhase: 'receive', phases: PHASES.httpComplete });
    });
  });

  it('gzip bomb (16 KiB → 16 MiB), no assertion: up, nothing decoded past the cap', async () => {
    await withServer(raw.startGzipBomb(), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assertUp(result, 200, PHASES.httpComplete);
      assert.ok(result.responseBytes === null || result.responseBytes <= 8 * 1024 * 1024, `responseBytes ${result.responseBytes}`);
    });
  });

  it('gzip bomb with a keyword: body_over_cap (decoded cap 8 MiB)', async () => {
    await withServer(raw.startGzipBomb(), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'needle' });
      assertFailure(result, { status: 'down', errorKind: 'body_over_cap', errorPhase: 'receive', phases: PHASES.httpComplete });
    });
  });

  it('a gzip body just under the decoded cap: decoded and checked', async () => {
    await withServer(raw.startGzipBomb(4 * 1024 * 1024), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'needle' });
      assertUp(result, 200, PHASES.httpComplete);
      assert.equal(result.responseBytes, 4 * 1024 * 1024);
    });
  });
});
