import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { executeCheck, type Clients } from '../../src/check/index.js';
import type { ResolvedAddress, Resolver } from '../../src/check/dns/resolver-types.js';
import { loadRawTcp, uvError } from '../../src/check/net/raw-tcp.js';
import type { CheckResult } from '../../src/domain/check-result.js';
import { defineHttpCheck, type HttpCheckInput } from '../../src/domain/check-spec.js';
import { assertFailure, assertUp, PHASES, type ExpectedFailure, type PresentPhases } from '../helpers/check-assertions.js';
import { checkHttp, checkTcp, loopbackClients, withServer } from '../helpers/check-runner.js';
import { startBacklogFull } from '../helpers/servers/backlog-full.js';
import { startFixedResponse, startRedirectChain } from '../helpers/servers/http-catalog.js';
import * as raw from '../helpers/servers/raw-catalog.js';
import { startRawServer } from '../helpers/servers/raw-server.js';
import type { TestServer } from '../helpers/servers/test-server.js';

// A fresh plain HTTP/1.1 check runs on libuv's TCP handle (src/check/net/raw-tcp.ts) when this
// Node exposes it, else on net.Socket (`rawTcp: false` asks for that). Both must give the same
// result for every way a server can behave: each row runs on both and states what it expects.

/** Resolves one name to 127.0.0.1 only: a DNS phase with one address (several go to net's happy eyeballs). */
function oneAddressResolver(): Resolver {
  const answer: readonly ResolvedAddress[] = Object.freeze([{ address: '127.0.0.1', family: 4 }]);
  return { resolve: () => Promise.resolve(answer) };
}

/** What must match between the transports (timings only by presence: their values differ run to run). */
function shape(result: CheckResult): Record<string, unknown> {
  const t = result.timings;
  return {
    status: result.status,
    httpVersion: result.httpVersion,
    statusCode: result.statusCode,
    responseBytes: result.responseBytes,
    errorKind: result.errorKind,
    errorPhase: result.errorPhase,
    detail: result.detail,
    connectionReused: result.connectionReused,
    phases: { dns: t.dnsMs !== null, connect: t.connectMs !== null, tls: t.tlsMs !== null, ttfb: t.ttfbMs !== null, receive: t.receiveMs !== null },
  };
}

/** The process's open file descriptors (Linux: /proc/self/fd). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Waits (up to 1 s) until the process holds no more fds than `before` again: the checks closed
 * their connections and the test servers, which run in this process, saw it and closed their
 * side. A connection a check left open keeps its fd, and the server's side of it, open.
 */
async function assertFdsBackTo(before: number): Promise<void> {
  for (let waited = 0; openFds() > before && waited < 1_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  const extra = openFds() - before;
  assert.ok(extra <= 0, `${extra} more open fds than before the checks: a connection was left open`);
}

interface Row {
  readonly name: string;
  readonly start: () => Promise<TestServer>;
  readonly input: (server: TestServer) => HttpCheckInput;
  /** null: up with this status code and phases */
  readonly up?: { readonly statusCode: number; readonly phases: PresentPhases; readonly responseBytes?: number };
  readonly failure?: ExpectedFailure;
  /** the failure detail, exactly (the port is filled in) */
  readonly detail?: (server: TestServer) => string;
  /** the detail quotes a measured time: the transports agree on all but it */
  readonly timedDetail?: true;
}

const ROWS: readonly Row[] = [
  { name: 'a fast 200', start: () => startFixedResponse(200, 'ok'), input: (s) => ({ url: s.url }), up: { statusCode: 200, phases: PHASES.httpComplete, responseBytes: 2 } },
  {
    name: 'a host name with one address: dns, then connect',
    start: () => startFixedResponse(200, 'ok'),
    input: (s) => ({ url: `http://one-address.test:${s.port}/` }),
    up: { statusCode: 200, phases: { ...PHASES.httpComplete, dns: true }, responseBytes: 2 },
  },
  {
    name: 'an IPv6 literal (connect6)',
    start: () => startFixedResponse(204, '', {}, '::1'),
    input: (s) => ({ url: s.url }),
    up: { statusCode: 204, phases: PHASES.httpComplete, responseBytes: 0 },
  },
  {
    name: 'a refused port',
    start: raw.startRefusedPort,
    input: (s) => ({ url: s.url }),
    failure: { status: 'down', errorKind: 'connection_refused', errorPhase: 'connect', phases: PHASES.none },
    detail: (s) => `connect ECONNREFUSED 127.0.0.1:${s.port}`,
  },
  {
    name: 'a connect that hangs (accept queue full)',
    start: startBacklogFull,
    input: (s) => ({ url: s.url, timeoutMs: 2_000, connectTimeoutMs: 200 }),
    failure: { status: 'down', errorKind: 'connect_timeout', errorPhase: 'connect', phases: PHASES.none },
    timedDetail: true,
  },
  {
    name: 'a reset on accept',
    start: raw.startResetOnAccept,
    input: (s) => ({ url: s.url }),
    failure: { status: 'down', errorKind: 'connection_reset', errorPhase: 'send', phases: PHASES.httpNoHeaders },
  },
  {
    name: 'a reset after the request head',
    start: raw.startResetAfterRequest,
    input: (s) => ({ url: s.url }),
    failure: { status: 'down', errorKind: 'connection_reset', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders },
  },
  {
    name: 'a close before the headers',
    start: raw.startCloseBeforeHeaders,
    input: (s) => ({ url: s.url }),
    failure: { status: 'down', errorKind: 'no_response', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders },
    detail: () => 'connection closed before response headers',
  },
  {
    name: 'a body cut short',
    start: raw.startTruncatedBody,
    input: (s) => ({ url: s.url }),
    failure: { status: 'down', errorKind: 'invalid_response', errorPhase: 'receive', phases: PHASES.httpNoBodyEnd },
  },
  {
    name: 'headers later than the budget',
    start: () => raw.startSlowHeaders(2_000),
    input: (s) => ({ url: s.url, timeoutMs: 250 }),
    failure: { status: 'down', errorKind: 'timeout', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders },
    timedDetail: true,
  },
  {
    name: 'headers over the 64 KiB limit',
    start: () => raw.startHugeHeaders(),
    input: (s) => ({ url: s.url }),
    failure: { status: 'down', errorKind: 'response_headers_too_large', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders },
  },
  {
    name: 'a malformed status line',
    start: () => raw.startMalformedStatusLine(),
    input: (s) => ({ url: s.url }),
    failure: { status: 'down', errorKind: 'invalid_response', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders },
  },
  // These two keep the connection open after the response: a short budget ends the FIN wait.
  { name: 'chunked with trailers', start: raw.startChunkedWithTrailers, input: (s) => ({ url: s.url, timeoutMs: 400 }), up: { statusCode: 200, phases: PHASES.httpComplete } },
  { name: 'a close-delimited body', start: raw.startCloseDelimited, input: (s) => ({ url: s.url }), up: { statusCode: 200, phases: PHASES.httpComplete } },
  { name: '1xx interim responses first', start: raw.startInterimResponses, input: (s) => ({ url: s.url, timeoutMs: 400 }), up: { statusCode: 200, phases: PHASES.httpComplete } },
  {
    name: 'a 2 MiB body (over the 1 MiB read cap)',
    start: () => raw.startOversizedBody(),
    input: (s) => ({ url: s.url }),
    up: { statusCode: 200, phases: PHASES.httpComplete, responseBytes: 1024 * 1024 },
  },
  { name: 'a redirect chain (earlier hops close in the background)', start: startRedirectChain, input: (s) => ({ url: `${s.url}hop/3`, followRedirects: true }), up: { statusCode: 200, phases: PHASES.httpComplete } },
  { name: 'a response, then its FIN 150 ms later', start: () => raw.startLateClose(150), input: (s) => ({ url: s.url }), up: { statusCode: 200, phases: PHASES.httpComplete, responseBytes: 2 } },
];

/** The same clients but for the transport: the raw handle (the default here), and net.Socket. */
let rawClients: Clients;
let netClients: Clients;
before(() => {
  rawClients = loopbackClients({ resolver: oneAddressResolver() });
  netClients = loopbackClients({ resolver: oneAddressResolver(), rawTcp: false });
});
after(async () => {
  await rawClients.close();
  await netClients.close();
});

describe('fresh plain HTTP/1.1 on the raw TCP handle and on net.Socket: the same results', () => {
  it('this Node (20) has the handle; rawTcp: false turns it off', () => {
    assert.notEqual(rawClients.rawTcp, null);
    assert.equal(netClients.rawTcp, null);
  });

  for (const row of ROWS) {
    it(row.name, async () => {
      await withServer(row.start(), async (server) => {
        const results: CheckResult[] = [];
        for (const clients of [rawClients, netClients]) {
          const result = await checkHttp(clients, row.input(server));
          if (row.up !== undefined) {
            assertUp(result, row.up.statusCode, row.up.phases);
            if (row.up.responseBytes !== undefined) assert.equal(result.responseBytes, row.up.responseBytes);
          } else {
            assertFailure(result, row.failure as ExpectedFailure);
            if (row.detail !== undefined) assert.equal(result.detail, row.detail(server));
          }
          results.push(result);
        }
        const [onRaw, onNet] = results as [CheckResult, CheckResult];
        if (row.timedDetail === true) assert.deepEqual({ ...shape(onRaw), detail: null }, { ...shape(onNet), detail: null });
        else assert.deepEqual(shape(onRaw), shape(onNet));
      });
    });
  }

  it('a 1 MiB request body is written whole (the write completes later, not at once)', async () => {
    const body = 'x'.repeat(1024 * 1024);
    await withServer(startRawServer((socket, request) => socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${request.body.length}\r\n\r\n${'y'.repeat(request.body.length)}`)), async (server) => {
      for (const clients of [rawClients, netClients]) {
        const result = await checkHttp(clients, { url: server.url, method: 'POST', body, timeoutMs: 5_000 });
        assertUp(result, 200, PHASES.httpComplete);
        assert.equal(result.responseBytes, body.length);
      }
      assert.deepEqual(server.requests.map((r) => r.body.length), [body.length, body.length]);
    });
  });

  it('a server that resets while a 16 MiB request body is still being written: connection_reset in send, on both', async () => {
    const body = 'x'.repeat(16 * 1024 * 1024);
    // Reads nothing and resets after 50 ms: more body than the kernel's buffers hold (the send
    // buffer grows to 4 MiB here, an unread receive buffer stays small) is still unwritten.
    const resetting = startRawServer(() => undefined, {
      onAccept: (socket, timers) => {
        socket.pause();
        timers.after(50, () => socket.resetAndDestroy());
      },
    });
    await withServer(resetting, async (server) => {
      const fdsBefore = openFds();
      const results: CheckResult[] = [];
      for (const clients of [rawClients, netClients]) {
        const result = await checkHttp(clients, { url: server.url, method: 'POST', body, timeoutMs: 5_000 });
        assert.equal(result.status, 'down', JSON.stringify(result));
        assert.equal(result.errorKind, 'connection_reset');
        assert.notEqual(result.timings.connectMs, null);
        assert.equal(result.timings.ttfbMs, null);
        results.push(result);
      }
      assert.deepEqual(results.map((r) => r.errorPhase), ['send', 'send'], 'the request was never written whole');
      await assertFdsBackTo(fdsBefore);
    });
  });

  it('bytes a server sends past its framed response are dropped; the check is up', async () => {
    await withServer(startRawServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA BYTES THAT NO ONE ASKED FOR')), async (server) => {
      for (const clients of [rawClients, netClients]) {
        const result = await checkHttp(clients, { url: server.url });
        assertUp(result, 200, PHASES.httpComplete);
        assert.equal(result.responseBytes, 2);
      }
    });
  });

  it('the budget ends the wait for a server that never closes; the connection is closed by then', async () => {
    await withServer(raw.startIgnoresClose(), async (server) => {
      const fdsBefore = openFds();
      const t0 = performance.now();
      const result = await checkHttp(rawClients, { url: server.url, timeoutMs: 600 });
      const elapsedMs = performance.now() - t0;
      assertUp(result, 200, PHASES.httpComplete);
      assert.ok(elapsedMs >= 500 && elapsedMs < 1_000, `resolved after ${elapsedMs} ms (budget 600 ms)`);
      await assertFdsBackTo(fdsBefore);
    });
  });

  it('an abort signal ends a check waiting for headers: internal (probe shutdown) in ttfb, the connection closed', async () => {
    await withServer(raw.startSilent(), async (server) => {
      const fdsBefore = openFds();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const result = await executeCheck(defineHttpCheck({ url: server.url, timeoutMs: 5_000 }), rawClients, { signal: controller.signal });
      assert.equal(result.status, 'error', JSON.stringify(result));
      assert.equal(result.errorPhase, 'ttfb');
      assert.equal(result.errorKind, 'internal');
      assert.equal(result.detail, 'check aborted by the probe (shutdown)');
      await assertFdsBackTo(fdsBefore);
    });
  });

  it('300 checks at once across six servers that behave differently: each gets its own verdict, no connection is left open', async () => {
    const kinds: ReadonlyArray<readonly [() => Promise<TestServer>, string | null]> = [
      [() => startFixedResponse(200, 'ok'), null],
      [raw.startResetOnAccept, 'connection_reset'],
      [raw.startCloseBeforeHeaders, 'no_response'],
      [raw.startTruncatedBody, 'invalid_response'],
      [() => raw.startHugeHeaders(), 'response_headers_too_large'],
      [() => raw.startLateClose(50), null],
    ];
    const servers = await Promise.all(kinds.map(([start]) => start()));
    const fdsBefore = openFds();
    try {
      const runs = Array.from({ length: 300 }, (_, i) => i % kinds.length);
      const results = await Promise.all(runs.map((k) => checkHttp(rawClients, { url: (servers[k] as TestServer).url, timeoutMs: 10_000 })));
      results.forEach((result, i) => {
        const expected = (kinds[runs[i] as number] as readonly [unknown, string | null])[1];
        assert.equal(result.errorKind, expected, `check ${i}: ${JSON.stringify(result)}`);
      });
      await assertFdsBackTo(fdsBefore);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('200 checks at once against one server: all up, and no connection is left open', async () => {
    await withServer(startFixedResponse(200, 'ok'), async (server) => {
      const fdsBefore = openFds();
      const results = await Promise.all(Array.from({ length: 200 }, () => checkHttp(rawClients, { url: server.url, timeoutMs: 10_000 })));
      for (const result of results) assertUp(result, 200, PHASES.httpComplete);
      assert.equal(server.requests.length, 200);
      await assertFdsBackTo(fdsBefore);
    });
  });
});

describe('TCP checks on the raw TCP handle and on net.Socket: the same results', () => {
  const tcpRows: ReadonlyArray<{ name: string; start: () => Promise<TestServer>; host?: string; connectTimeoutMs?: number; want: Pick<CheckResult, 'status' | 'errorKind' | 'errorPhase'>; detail: string | null }> = [
    { name: 'a listening port: up', start: () => startFixedResponse(200, 'ok'), want: { status: 'up', errorKind: null, errorPhase: null }, detail: null },
    { name: 'a host name with one address: up', start: () => startFixedResponse(200, 'ok'), host: 'one-address.test', want: { status: 'up', errorKind: null, errorPhase: null }, detail: null },
    { name: 'a refused port', start: raw.startRefusedPort, want: { status: 'down', errorKind: 'connection_refused', errorPhase: 'connect' }, detail: 'connect ECONNREFUSED 127.0.0.1:PORT' },
    { name: 'a reset on accept: up (the handshake completed)', start: raw.startResetOnAccept, want: { status: 'up', errorKind: null, errorPhase: null }, detail: null },
    { name: 'a connect that hangs', start: startBacklogFull, connectTimeoutMs: 200, want: { status: 'down', errorKind: 'connect_timeout', errorPhase: 'connect' }, detail: 'TCP connect to 127.0.0.1:PORT took longer than 200 ms' },
  ];
  for (const row of tcpRows) {
    it(row.name, async () => {
      await withServer(row.start(), async (server) => {
        const fdsBefore = openFds();
        for (const clients of [rawClients, netClients]) {
          const result = await checkTcp(clients, { host: row.host ?? server.host, port: server.port, timeoutMs: 2_000, ...(row.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: row.connectTimeoutMs }) });
          assert.deepEqual({ status: result.status, errorKind: result.errorKind, errorPhase: result.errorPhase }, row.want, JSON.stringify(result));
          if (row.detail !== null) assert.equal(result.detail, row.detail.replace('PORT', String(server.port)));
          assert.notEqual(row.want.status === 'up' ? result.timings.connectMs : 0, null, 'an up TCP check has its connect phase');
        }
        await assertFdsBackTo(fdsBefore);
      });
    });
  }
});

describe('loadRawTcp: the handle only when this Node has it as expected', () => {
  it("Node 20's bindings pass", () => {
    assert.notEqual(loadRawTcp(), null);
  });

  it('no process.binding (another runtime): null', () => {
    assert.equal(loadRawTcp(null), null);
  });

  it('process.binding throws (the permission model): null', () => {
    assert.equal(
      loadRawTcp(() => {
        throw new Error('Access to this API has been restricted');
      }),
      null,
    );
  });

  it('a binding without a method the transport calls: null', () => {
    const real = (process as unknown as { binding(name: string): unknown }).binding.bind(process);
    const tcp = real('tcp_wrap') as { TCP: { prototype: object } };
    class NoConnect6 {}
    for (const name of ['connect', 'writeLatin1String', 'writeBuffer', 'useUserBuffer', 'readStart', 'readStop', 'unref', 'close']) {
      Object.defineProperty(NoConnect6.prototype, name, { value: (tcp.TCP.prototype as Record<string, unknown>)[name] });
    }
    assert.equal(loadRawTcp((name) => (name === 'tcp_wrap' ? { ...tcp, TCP: NoConnect6 } : real(name))), null);
  });

  it('rawTcp must be true or false: anything else is refused, naming the field', () => {
    for (const bad of ['no', 0, null]) {
      assert.throws(() => loopbackClients({ rawTcp: bad as unknown as boolean }), { name: 'TypeError', message: `rawTcp: expected true or false, got ${String(bad)}` });
    }
  });

  it('uvError names the libuv code as net does', () => {
    const err = uvError(-111, 'connect', '127.0.0.1', 9) as Error & { code: string; errno: number; syscall: string };
    assert.deepEqual({ message: err.message, code: err.code, errno: err.errno, syscall: err.syscall }, { message: 'connect ECONNREFUSED 127.0.0.1:9', code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
  });
});
