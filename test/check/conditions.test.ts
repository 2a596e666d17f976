import type { ServerHttp2Stream } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { assertFailure, assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import { startFixedResponse, startTlsServer } from '../helpers/servers/http-catalog.js';
import { startH2Server } from '../helpers/servers/h2-catalog.js';

// Conditions against real HTTP servers on 127.0.0.1:0: the body, headers and status the
// executor read, judged after the other assertions.

const HEALTH = JSON.stringify({ status: 'UP', items: [{ id: 1 }, { id: 2 }] });
const JSON_HEADERS = { 'content-type': 'application/json', 'x-build': 'abc123' };

describe('conditions', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('all hold: up, with the body read and headers kept', async () => {
    await withServer(startFixedResponse(200, HEALTH, JSON_HEADERS), async (server) => {
      const result = await checkHttp(clients, {
        url: server.url,
        conditions: ['[STATUS] == 200', '[BODY].status == UP', 'len([BODY].items) > 0', '[RESPONSE_TIME] < 5000', '[HEADER].content-type == pat(application/json*)', '[HEADER].X-Build == abc123'],
      });
      assertUp(result, 200, PHASES.httpComplete);
    });
  });

  it('the first failing condition: down condition_failed, the condition and the value in detail', async () => {
    await withServer(startFixedResponse(200, JSON.stringify({ status: 'DEGRADED' }), JSON_HEADERS), async (server) => {
      const result = await checkHttp(clients, { url: server.url, conditions: ['[STATUS] == 200', '[BODY].status == UP', '[HEADER].x-build == zzz'] });
      assertFailure(result, { status: 'down', errorKind: 'condition_failed', errorPhase: 'receive', phases: PHASES.httpComplete });
      assert.equal(result.errorFamily, 'verdict');
      assert.equal(result.detail, 'condition "[BODY].status == UP" failed: [BODY].status is "DEGRADED"');
    });
  });

  it('a [STATUS] condition replaces the default 200-399 expectation (a 404 can be the healthy answer)', async () => {
    await withServer(startFixedResponse(404, 'gone'), async (server) => {
      assert.equal((await checkHttp(clients, { url: server.url, conditions: ['[STATUS] == 404'] })).status, 'up');
      const withExplicit = await checkHttp(clients, { url: server.url, expectStatus: 200, conditions: ['[STATUS] == 404'] });
      assert.equal(withExplicit.errorKind, 'unexpected_status', 'an explicit expectStatus still judges first');
    });
  });

  it('a body over the read cap: body_over_cap, as for the other body assertions', async () => {
    const small = loopbackClients({ limits: { maxBodyBytes: 1024 } });
    try {
      await withServer(startFixedResponse(200, JSON.stringify({ pad: 'x'.repeat(10_000) })), async (server) => {
        const result = await checkHttp(small, { url: server.url, conditions: ['has([BODY].pad) == true'] });
        assert.deepEqual([result.status, result.errorKind], ['down', 'body_over_cap'], JSON.stringify(result));
      });
    } finally {
      await small.close();
    }
  });

  it('a JSON bomb of nesting within the cap: refused by depth, quickly', async () => {
    await withServer(startFixedResponse(200, `${'['.repeat(400_000)}${']'.repeat(400_000)}`), async (server) => {
      const result = await checkHttp(clients, { url: server.url, conditions: ['[BODY][0] == 1'] });
      assert.equal(result.errorKind, 'condition_failed');
      assert.match(result.detail ?? '', /nested deeper than 128 levels/);
    });
  });

  it('[CERTIFICATE_EXPIRATION] reads the chain over HTTPS', async () => {
    await withServer(startTlsServer('chained'), async (server) => {
      assert.equal((await checkHttp(clients, { url: server.url, conditions: ['[CERTIFICATE_EXPIRATION] > 48h'] })).status, 'up');
      const far = await checkHttp(clients, { url: server.url, conditions: ['[CERTIFICATE_EXPIRATION] > 100000d'] });
      assert.equal(far.errorKind, 'condition_failed');
    });
  });

  it('[HEADER].name over HTTP/2 (h2c and h2 by ALPN, fresh and pooled): the headers the conditions name are kept, others are not', async () => {
    const answer = (stream: ServerHttp2Stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-build': 'abc123', 'x-region': ['eu', 'us'], 'x-other': 'not asked for' });
      stream.end(HEALTH);
    };
    for (const options of [{ tls: false }, { tls: true }] as const) {
      await withServer(startH2Server({ ...options, onStream: (stream) => answer(stream) }), async (server) => {
        for (const connection of ['fresh', 'pooled'] as const) {
          const base = { url: server.url, connection, ...(options.tls ? {} : { http2: 'prior-knowledge' as const }) };
          const ok = await checkHttp(clients, { ...base, conditions: ['[HEADER].content-type == pat(application/json*)', '[HEADER].X-Build == abc123', '[HEADER].x-region == eu, us'] });
          assert.equal(ok.httpVersion, '2', JSON.stringify(ok));
          assert.equal(ok.status, 'up', JSON.stringify(ok));
          const wrong = await checkHttp(clients, { ...base, conditions: ['[HEADER].x-build == zzz'] });
          assert.deepEqual([wrong.httpVersion, wrong.errorKind, wrong.detail], ['2', 'condition_failed', 'condition "[HEADER].x-build == zzz" failed: [HEADER].x-build is "abc123"']);
          const absent = await checkHttp(clients, { ...base, conditions: ['[HEADER].x-missing == 1'] });
          assert.equal(absent.detail, 'condition "[HEADER].x-missing == 1" failed: [HEADER].x-missing has no value (absent)');
          assert.equal((await checkHttp(clients, { ...base, conditions: ['has([HEADER].x-missing) == false'] })).status, 'up');
        }
      });
    }
  });
});
