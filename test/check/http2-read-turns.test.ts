import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exchangeHttp2 } from '../../src/check/http/h2/exchange.js';
import { MAX_FRAMES_PER_TURN } from '../../src/check/http2/limits.js';
import { budgetContext, connectSession, hopRequest } from '../helpers/h2-session.js';
import { encodeFields, F, FLAG, frameBytes, startRawH2Server } from '../helpers/servers/raw-h2-server.js';

// One read of a busy session can hold thousands of small responses. The engine handles at
// most MAX_FRAMES_PER_TURN frames per turn of the event loop and goes on in a later turn, so
// a read never holds the loop (and every timer in the process) for long. Each answer is two
// frames (HEADERS, DATA with END_STREAM).

const STREAMS = 1_000;
const BUDGET_MS = 10_000;

/** A server that holds its answers until `STREAMS` requests arrived, then writes all of them at once. */
function batchingServer(close: 'keep' | 'end') {
  const waiting: number[] = [];
  return startRawH2Server({
    onRequest: (conn, id) => {
      waiting.push(id);
      if (waiting.length < STREAMS) return;
      const frames = waiting.splice(0).flatMap((streamId) => [
        frameBytes(F.HEADERS, FLAG.END_HEADERS, streamId, encodeFields([[':status', '200'], ['content-length', '2']])),
        frameBytes(F.DATA, FLAG.END_STREAM, streamId, Buffer.from('ok')),
      ]);
      conn.socket.write(Buffer.concat(frames));
      if (close === 'end') conn.socket.end();
    },
  });
}

/** Runs STREAMS exchanges on one session; returns, for each, the turn of the loop it completed in. */
async function completionTurns(url: string): Promise<number[]> {
  const session = await connectSession(url);
  let turn = 0;
  let isTicking = true;
  const tick = (): void => {
    turn++;
    if (isTicking) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return await Promise.all(
      Array.from({ length: STREAMS }, async () => {
        const { ctx, dispose } = budgetContext(BUDGET_MS);
        try {
          const response = await exchangeHttp2(session, hopRequest(url), ctx);
          assert.equal(response.statusCode, 200);
          assert.equal(Buffer.concat(response.bodyChunks).toString(), 'ok');
          return turn;
        } finally {
          dispose();
        }
      }),
    );
  } finally {
    isTicking = false;
    session.destroy();
  }
}

describe('HTTP/2 engine: bounded work per turn of the event loop', () => {
  it(`answers read at once complete over several turns, at most ${MAX_FRAMES_PER_TURN} frames per turn, every one of them`, async () => {
    const server = await batchingServer('keep');
    try {
      const turns = await completionTurns(server.url);
      assert.equal(turns.length, STREAMS);
      const perTurn = new Map<number, number>();
      for (const t of turns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
      const busiest = Math.max(...perTurn.values());
      // Two frames per answer: at most MAX_FRAMES_PER_TURN / 2 answers per read turn, and
      // perhaps as many again from a continuation run in the same turn's check phase.
      assert.ok(busiest <= MAX_FRAMES_PER_TURN, `${busiest} answers completed in one turn`);
      assert.ok(perTurn.size >= (2 * STREAMS) / MAX_FRAMES_PER_TURN / 2, `only ${perTurn.size} turns for ${STREAMS} answers`);
    } finally {
      await server.close();
    }
  });

  it('answers that wait for a later turn still count when the server closes right after writing them', async () => {
    const server = await batchingServer('end');
    try {
      const turns = await completionTurns(server.url);
      assert.equal(turns.length, STREAMS, 'every exchange completed with its answer');
    } finally {
      await server.close();
    }
  });
});
