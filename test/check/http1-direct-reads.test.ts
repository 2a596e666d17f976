import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { Clients } from '../../src/check/index.js';
import { assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import { startRawServer } from '../helpers/servers/raw-server.js';
import type { RecordedRequest, TimerSet } from '../helpers/servers/test-server.js';

// Fresh plain HTTP/1.1 connections read into one buffer the clients own (net's `onread`), reused
// by every read of every connection. These checks interleave their reads on purpose: a body
// chunk that kept pointing into the shared buffer would come back with another response's bytes.

const BODY_BYTES = 200 * 1024; // more than the 64 KiB read buffer: several reads per response
const PIECES = 8;

/** Answers /a with BODY_BYTES of "a", /b with "b", written in PIECES pieces a loop turn apart. */
function startPiecewise(): ReturnType<typeof startRawServer> {
  return startRawServer((socket: Socket, request: RecordedRequest, timers: TimerSet) => {
    const letter = request.path === '/a' ? 'a' : 'b';
    const body = Buffer.alloc(BODY_BYTES, letter);
    socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${BODY_BYTES}\r\nconnection: close\r\n\r\n`);
    const piece = BODY_BYTES / PIECES;
    let sent = 0;
    const next = (): void => {
      if (socket.destroyed) return;
      const end = Math.min(BODY_BYTES, sent + piece);
      const chunk = body.subarray(sent, end);
      sent = end;
      if (sent === BODY_BYTES) socket.end(chunk);
      else {
        socket.write(chunk);
        timers.after(1, next);
      }
    };
    next();
  });
}

describe('HTTP/1.1 reads into the shared buffer', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('interleaved responses of concurrent checks come back byte for byte', async () => {
    await withServer(startPiecewise(), async (server) => {
      const paths = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'a' : 'b'));
      const results = await Promise.all(
        paths.map((letter) => checkHttp(clients, { url: `${server.url}${letter}`, bodyRegex: `^${letter}+$`, timeoutMs: 5_000 })),
      );
      results.forEach((result, i) => {
        assertUp(result, 200, PHASES.httpComplete);
        assert.equal(result.responseBytes, BODY_BYTES, `check ${i} (${paths[i]})`);
      });
      assert.equal(server.requests.length, paths.length);
    });
  });
});
