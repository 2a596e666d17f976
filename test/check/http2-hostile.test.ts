import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { assertFailure, assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients } from '../helpers/check-runner.js';
import { connect as connectTcp } from 'node:net';
import { once } from 'node:events';
import { DeadlineClock } from '../../src/check/context/deadline-clock.js';
import { CheckFailure } from '../../src/check/errors/check-failure.js';
import { exchangeHttp2 } from '../../src/check/http/h2/exchange.js';
import { createSessionOverSocket } from '../../src/check/http/h2/over-socket.js';
import { budgetContext, hopRequest } from '../helpers/h2-session.js';
import { encodeFields, F, FLAG, frameBytes, literalField, startRawH2Server, u32, type RawH2Server } from '../helpers/servers/raw-h2-server.js';

// Peers that break HTTP/2 on purpose, against our engine through the whole executor. Each
// case must end in a classified result well inside the budget (bounded CPU and memory: the
// engine stops reading a flood at its limit), and where the peer violated the protocol the
// server must have received our GOAWAY with the right code (RFC 9113 §7).

const BUDGET_MS = 3_000;
const H2C = { http2: 'prior-knowledge', timeoutMs: BUDGET_MS } as const;
const PROTOCOL_ERROR = 0x1;
const FLOW_CONTROL_ERROR = 0x3;
const STREAM_CLOSED = 0x5;
const CANCEL = 0x8;
const COMPRESSION_ERROR = 0x9;
const ENHANCE_YOUR_CALM = 0xb;
const OK_FIELDS = [[':status', '200']] as const;

async function withRaw(server: Promise<RawH2Server>, run: (server: RawH2Server) => Promise<void>): Promise<void> {
  const started = await server;
  try {
    await run(started);
  } finally {
    await started.close();
  }
}

describe('HTTP/2 hostile peers', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('endless CONTINUATION frames: response_headers_too_large, GOAWAY ENHANCE_YOUR_CALM, long before the budget', async () => {
    await withRaw(
      startRawH2Server({
        onRequest: (conn, id) => {
          conn.frame(F.HEADERS, 0, id, encodeFields(OK_FIELDS));
          void conn.flood(frameBytes(F.CONTINUATION, 0, id, Buffer.from([0x40, 0x01, 0x61, 0x01, 0x62])), 1_000_000);
        },
      }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C });
        assertFailure(result, { status: 'down', errorKind: 'response_headers_too_large', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
        assert.match(result.detail ?? '', /CONTINUATION/);
        assert.ok(result.timings.totalMs < BUDGET_MS / 2, `took ${result.timings.totalMs} ms`);
        await server.whenClientsGone();
        assert.deepEqual(server.client.goawayCodes, [ENHANCE_YOUR_CALM]);
      },
    );
  });

  it('a header block over our limit (one large field in CONTINUATIONs): response_headers_too_large', async () => {
    const big = encodeFields([[':status', '200'], ['x-big', 'a'.repeat(200 * 1024)]]);
    await withRaw(
      startRawH2Server({
        onRequest: (conn, id) => {
          for (let at = 0, first = true; at < big.length; at += 16_384, first = false) {
            const end = Math.min(big.length, at + 16_384);
            conn.frame(first ? F.HEADERS : F.CONTINUATION, end === big.length ? FLAG.END_HEADERS | FLAG.END_STREAM : 0, id, big.subarray(at, end));
          }
        },
      }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C });
        assertFailure(result, { status: 'down', errorKind: 'response_headers_too_large', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
        assert.match(result.detail ?? '', /over 65536 bytes/);
        await server.whenClientsGone();
        assert.deepEqual(server.client.goawayCodes, [ENHANCE_YOUR_CALM]);
      },
    );
  });

  it('a header list over our limit in a small block: the stream is reset (CANCEL), the session lives on', async () => {
    // 4,000 tiny fields: ~20 KB on the wire, but 4,000 × (32 + 4) bytes of header list.
    const fields: Array<readonly [string, string]> = [[':status', '200']];
    for (let i = 0; i < 4_000; i++) fields.push([`x${i % 10}`, 'v']);
    const many = encodeFields(fields);
    const pooled = loopbackClients();
    try {
      await withRaw(
        startRawH2Server({
          onRequest: (conn, id) => {
            if (id === 1) {
              for (let at = 0, first = true; at < many.length; at += 16_384, first = false) {
                const end = Math.min(many.length, at + 16_384);
                conn.frame(first ? F.HEADERS : F.CONTINUATION, end === many.length ? FLAG.END_HEADERS | FLAG.END_STREAM : 0, id, many.subarray(at, end));
              }
            } else {
              conn.headers(id, OK_FIELDS, false);
              conn.data(id, 'ok', true);
            }
          },
        }),
        async (server) => {
          const spec = { url: server.url, ...H2C, connection: 'pooled' } as const;
          const first = await checkHttp(pooled, spec);
          assertFailure(first, { status: 'down', errorKind: 'response_headers_too_large', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
          const second = await checkHttp(pooled, spec);
          assertUp(second, 200, { dns: false, connect: false, tls: false, ttfb: true, receive: true });
          assert.equal(second.connectionReused, true, 'the same session served the next check');
          assert.deepEqual(server.client.resets, [[1, CANCEL]]);
          assert.deepEqual(server.client.goawayCodes, []);
          await pooled.close();
        },
      );
    } finally {
      await pooled.close();
    }
  });

  for (const [name, frame] of [
    ['SETTINGS', frameBytes(F.SETTINGS, 0, 0)],
    ['PING', frameBytes(F.PING, 0, 0, Buffer.alloc(8))],
  ] as const) {
    it(`a ${name} flood: h2_protocol_error naming ENHANCE_YOUR_CALM, and our GOAWAY says so`, async () => {
      let sent = 0;
      await withRaw(
        startRawH2Server({
          onRequest: (conn) => {
            void conn.flood(frame, 1_000_000).then((n) => (sent = n));
          },
        }),
        async (server) => {
          const result = await checkHttp(clients, { url: server.url, ...H2C });
          assertFailure(result, { status: 'down', errorKind: 'h2_protocol_error', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
          assert.match(result.detail ?? '', /ENHANCE_YOUR_CALM.*flood/);
          await server.whenClientsGone();
          assert.deepEqual(server.client.goawayCodes, [ENHANCE_YOUR_CALM]);
          assert.ok(sent < 1_000_000, `the flood was cut short (${sent} frames written)`);
        },
      );
    });
  }

  it('a window that never opens: a POST body waits, then times out in send; nothing leaks past the budget', async () => {
    await withRaw(
      startRawH2Server({
        // SETTINGS_INITIAL_WINDOW_SIZE 0: once it arrives no more DATA may be sent. The client
        // may send 65,535 bytes before (the default window), so the body is larger.
        onRequest: (conn, id) => {
          conn.headers(id, OK_FIELDS, true);
        },
      }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C, timeoutMs: 500, method: 'POST', body: 'x'.repeat(100_000) });
        assertFailure(result, { status: 'down', errorKind: 'timeout', errorPhase: 'send', phases: PHASES.httpNoHeaders });
        assert.ok(result.timings.totalMs < 1_000);
        await server.whenClientsGone();
      },
    );
  });

  it('a server that resets every stream at once: each pooled check is h2_protocol_error naming the code', async () => {
    const pooled = loopbackClients();
    try {
      await withRaw(
        startRawH2Server({ onRequest: (conn, id) => conn.frame(F.RST_STREAM, 0, id, u32(0x2)) }),
        async (server) => {
          const results = await Promise.all(Array.from({ length: 50 }, () => checkHttp(pooled, { url: server.url, ...H2C, connection: 'pooled' })));
          for (const result of results) {
            assert.equal(result.errorKind, 'h2_protocol_error', JSON.stringify(result));
            assert.equal(result.errorPhase, 'ttfb');
            assert.match(result.detail ?? '', /RST_STREAM INTERNAL_ERROR/);
          }
          assert.deepEqual(server.client.goawayCodes, [], 'a reset stream is not a connection error');
          await pooled.close();
        },
      );
    } finally {
      await pooled.close();
    }
  });

  it('PUSH_PROMISE (we sent ENABLE_PUSH=0): connection error PROTOCOL_ERROR', async () => {
    await withRaw(
      startRawH2Server({
        onRequest: (conn, id) => conn.frame(F.PUSH_PROMISE, FLAG.END_HEADERS, id, Buffer.concat([u32(2), encodeFields([[':method', 'GET'], [':path', '/pushed']])])),
      }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C });
        assertFailure(result, { status: 'down', errorKind: 'h2_protocol_error', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
        assert.match(result.detail ?? '', /PROTOCOL_ERROR: PUSH_PROMISE/);
        await server.whenClientsGone();
        assert.deepEqual(server.client.goawayCodes, [PROTOCOL_ERROR]);
      },
    );
  });

  it('DATA padding longer than the frame: connection error PROTOCOL_ERROR after the headers', async () => {
    await withRaw(
      startRawH2Server({
        onRequest: (conn, id) => {
          conn.headers(id, OK_FIELDS, false);
          conn.frame(F.DATA, FLAG.PADDED | FLAG.END_STREAM, id, Buffer.from([10, 0x61, 0x62]));
        },
      }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C });
        assertFailure(result, { status: 'down', errorKind: 'h2_protocol_error', errorPhase: 'receive', phases: PHASES.httpNoBodyEnd });
        assert.match(result.detail ?? '', /PROTOCOL_ERROR: DATA padding/);
        await server.whenClientsGone();
        assert.deepEqual(server.client.goawayCodes, [PROTOCOL_ERROR]);
      },
    );
  });

  it('correct padding is stripped from DATA and HEADERS', async () => {
    await withRaw(
      startRawH2Server({
        onRequest: (conn, id) => {
          const block = encodeFields(OK_FIELDS);
          conn.frame(F.HEADERS, FLAG.END_HEADERS | FLAG.PADDED, id, Buffer.concat([Buffer.from([3]), block, Buffer.alloc(3)]));
          conn.frame(F.DATA, FLAG.PADDED | FLAG.END_STREAM, id, Buffer.concat([Buffer.from([4]), Buffer.from('padded ok'), Buffer.alloc(4)]));
        },
      }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C, keyword: 'padded ok' });
        assertUp(result, 200, PHASES.httpComplete);
        assert.equal(result.responseBytes, 9);
      },
    );
  });

  it('DATA on a stream that already ended: our GOAWAY STREAM_CLOSED; the check already answered stays up', async () => {
    const pooled = loopbackClients();
    try {
      await withRaw(
        startRawH2Server({
          onRequest: (conn, id) => {
            conn.headers(id, OK_FIELDS, false);
            conn.data(id, 'ok', true);
            conn.timers.after(20, () => conn.data(id, 'late', false));
          },
        }),
        async (server) => {
          const spec = { url: server.url, ...H2C, connection: 'pooled' } as const;
          assertUp(await checkHttp(pooled, spec), 200, PHASES.httpComplete);
          await server.whenClientsGone();
          assert.deepEqual(server.client.goawayCodes, [STREAM_CLOSED]);
          const next = await checkHttp(pooled, spec);
          assertUp(next, 200, PHASES.httpComplete);
          assert.equal(next.connectionReused, false, 'the broken session was replaced');
          await pooled.close();
        },
      );
    } finally {
      await pooled.close();
    }
  });

  it('HEADERS on a stream we never opened (a push without promise): PROTOCOL_ERROR', async () => {
    await withRaw(
      startRawH2Server({ onRequest: (conn) => conn.headers(2, OK_FIELDS, true) }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C });
        assertFailure(result, { status: 'down', errorKind: 'h2_protocol_error', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
        assert.match(result.detail ?? '', /stream 2, which we never opened/);
        await server.whenClientsGone();
        assert.deepEqual(server.client.goawayCodes, [PROTOCOL_ERROR]);
      },
    );
  });

  it('no SETTINGS, fresh: a server that answers without its preface is a protocol error', async () => {
    await withRaw(
      startRawH2Server({ settings: null, ackSettings: false, onRequest: (conn, id) => conn.headers(id, OK_FIELDS, true) }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C });
        assertFailure(result, { status: 'down', errorKind: 'h2_protocol_error', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
        assert.match(result.detail ?? '', /preface began with HEADERS, not SETTINGS/);
        await server.whenClientsGone();
        assert.deepEqual(server.client.goawayCodes, [PROTOCOL_ERROR]);
      },
    );
  });

  it('no SETTINGS, pooled: the opener waits for them until its budget, in send', async () => {
    const pooled = loopbackClients();
    try {
      await withRaw(
        startRawH2Server({ settings: null, ackSettings: false, onRequest: () => undefined }),
        async (server) => {
          const result = await checkHttp(pooled, { url: server.url, ...H2C, timeoutMs: 300, connection: 'pooled' });
          assertFailure(result, { status: 'down', errorKind: 'timeout', errorPhase: 'send', phases: PHASES.httpNoHeaders });
          assert.deepEqual(server.client.streams, [], 'no stream was opened before SETTINGS');
          await pooled.close();
        },
      );
    } finally {
      await pooled.close();
    }
  });

  it('a broken HPACK block: connection error COMPRESSION_ERROR', async () => {
    await withRaw(
      startRawH2Server({ onRequest: (conn, id) => conn.frame(F.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, Buffer.from([0xbe])) }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C });
        assertFailure(result, { status: 'down', errorKind: 'h2_protocol_error', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
        assert.match(result.detail ?? '', /COMPRESSION_ERROR: hpack index_out_of_range/);
        await server.whenClientsGone();
        assert.deepEqual(server.client.goawayCodes, [COMPRESSION_ERROR]);
      },
    );
  });

  it('a frame larger than our SETTINGS_MAX_FRAME_SIZE: FRAME_SIZE_ERROR', async () => {
    await withRaw(
      startRawH2Server({
        onRequest: (conn, id) => {
          conn.headers(id, OK_FIELDS, false);
          conn.data(id, Buffer.alloc(20_000), true);
        },
      }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C });
        assertFailure(result, { status: 'down', errorKind: 'h2_protocol_error', errorPhase: 'receive', phases: PHASES.httpNoBodyEnd });
        assert.match(result.detail ?? '', /FRAME_SIZE_ERROR/);
        await server.whenClientsGone();
        assert.deepEqual(server.client.goawayCodes, [0x6]);
      },
    );
  });

  it('a WINDOW_UPDATE that overflows the connection window: FLOW_CONTROL_ERROR', async () => {
    await withRaw(
      startRawH2Server({ onRequest: (conn) => conn.frame(F.WINDOW_UPDATE, 0, 0, u32(0x7fffffff)) }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C });
        assertFailure(result, { status: 'down', errorKind: 'h2_protocol_error', errorPhase: 'ttfb', phases: PHASES.httpNoHeaders });
        assert.match(result.detail ?? '', /FLOW_CONTROL_ERROR/);
        await server.whenClientsGone();
        assert.deepEqual(server.client.goawayCodes, [FLOW_CONTROL_ERROR]);
      },
    );
  });

  it('malformed responses are stream errors (RST_STREAM PROTOCOL_ERROR): upper-case name, connection header, DATA before HEADERS, content-length mismatch', async () => {
    await withRaw(
      startRawH2Server({
        onRequest: (conn, id) => {
          const n = (id - 1) / 2;
          if (n === 0) conn.frame(F.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, Buffer.concat([encodeFields(OK_FIELDS), literalField('X-Upper', '1')]));
          else if (n === 1) conn.headers(id, [[':status', '200'], ['connection', 'close']], true);
          else if (n === 2) conn.data(id, 'early', true);
          else if (n === 3) {
            conn.headers(id, [[':status', '200'], ['content-length', '10']], false);
            conn.data(id, 'short', true);
          } else conn.headers(id, [['x-no-status', '1']], true);
        },
      }),
      async (server) => {
        const pooled = loopbackClients();
        try {
          const expected = [/upper-case field name/, /connection-specific field connection/, /DATA before the response headers/, /content-length 10 but 5 bytes of DATA/, /no :status/];
          for (const detail of expected) {
            const result = await checkHttp(pooled, { url: server.url, ...H2C, connection: 'pooled' });
            assert.equal(result.errorKind, 'h2_protocol_error', JSON.stringify(result));
            assert.match(result.detail ?? '', detail);
          }
          // The last check's RST_STREAM may still be on its way to the server.
          for (let i = 0; i < 100 && server.client.resets.length < expected.length; i++) await new Promise((resolve) => setTimeout(resolve, 10));
          assert.deepEqual(server.client.resets.map(([, code]) => code), [PROTOCOL_ERROR, PROTOCOL_ERROR, PROTOCOL_ERROR, PROTOCOL_ERROR, PROTOCOL_ERROR]);
          assert.deepEqual(server.client.goawayCodes, [], 'stream errors, not connection errors');
          assert.equal(server.client.connections, 1);
        } finally {
          await pooled.close();
        }
      },
    );
  });

  it('interim 1xx responses are skipped, trailers read, unknown frames and PRIORITY ignored', async () => {
    await withRaw(
      startRawH2Server({
        onRequest: (conn, id) => {
          conn.frame(0xfa, 0, 0, Buffer.from('unknown type'));
          conn.frame(F.PRIORITY, 0, id, Buffer.alloc(5));
          conn.headers(id, [[':status', '103'], ['link', '</style.css>; rel=preload']], false);
          conn.headers(id, [[':status', '200'], ['content-length', '7']], false);
          conn.data(id, 'with tr', false);
          conn.headers(id, [['x-trailer', 'yes']], true);
        },
      }),
      async (server) => {
        const result = await checkHttp(clients, { url: server.url, ...H2C, keyword: 'with tr' });
        assertUp(result, 200, PHASES.httpComplete);
        assert.equal(result.responseBytes, 7);
        await server.whenClientsGone();
        assert.deepEqual(server.client.goawayCodes, [0], 'only the fresh check\'s own polite GOAWAY(NO_ERROR)');
      },
    );
  });

  it('a peer that never acknowledges our SETTINGS: GOAWAY SETTINGS_TIMEOUT, the stream fails h2_protocol_error', async () => {
    await withRaw(
      startRawH2Server({ ackSettings: false, onRequest: () => undefined }),
      async (server) => {
        const socket = connectTcp(server.port, '127.0.0.1');
        await once(socket, 'connect');
        const session = createSessionOverSocket(socket, { limits: { maxHeaderBytes: 65_536 }, clock: new DeadlineClock(), settingsAckTimeoutMs: 100 });
        const { ctx, dispose } = budgetContext(2_000);
        try {
          const failure = await exchangeHttp2(session, hopRequest(`${server.url}`), ctx).then(
            () => assert.fail('expected a failure'),
            (err: unknown) => err as CheckFailure,
          );
          assert.ok(failure instanceof CheckFailure);
          assert.equal(failure.kind, 'h2_protocol_error');
          assert.equal(failure.phase, 'ttfb');
          assert.match(failure.detail, /SETTINGS_TIMEOUT: no SETTINGS ACK within 100 ms/);
          await server.whenClientsGone();
          assert.deepEqual(server.client.goawayCodes, [0x4]);
        } finally {
          dispose();
          session.destroy();
        }
      },
    );
  });
});
