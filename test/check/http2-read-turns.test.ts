import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exchangeHttp2 } from '../../src/check/http/h2/exchange.js';
import { encodeRequestBlock } from '../../src/check/http/h2/request-block.js';
import type { H2Session } from '../../src/check/http2/session.js';
import type { StreamListener } from '../../src/check/http2/stream.js';
import { ReadTurn } from '../../src/check/http2/read-turn.js';
import { countLoopTurns } from '../helpers/loop-turns.js';
import { armBudget, disarmBudget } from '../../src/check/context/budget.js';
import { CheckContext } from '../../src/check/context/check-context.js';
import { DeadlineClock } from '../../src/check/context/deadline-clock.js';
import { PhaseTimer } from '../../src/check/context/phase-timer.js';
import { budgetContext, connectSession, hopRequest, sessionDeps } from '../helpers/h2-session.js';
import { encodeFields, F, FLAG, frameBytes, startRawH2Server } from '../helpers/servers/raw-h2-server.js';

// One read of a busy session can hold thousands of small responses. The sessions of one
// Clients share a frame budget per turn of the event loop (ReadTurn) and go on in a later
// turn, so reads never hold the loop (and every timer in the process) for long. Each answer
// is two frames (HEADERS, DATA with END_STREAM); the budget here is small (128 frames) so a
// thousand answers must spread over many turns.

const STREAMS = 1_000;
const FRAMES_PER_TURN = 128;
const BUDGET_MS = 10_000;

/** A server that holds each connection's answers until `perConnection` requests arrived, then writes them all at once. */
function batchingServer(close: 'keep' | 'end', perConnection = STREAMS) {
  const waiting = new Map<object, number[]>();
  return startRawH2Server({
    onRequest: (conn, id) => {
      const ids = waiting.get(conn.socket) ?? [];
      waiting.set(conn.socket, ids);
      ids.push(id);
      if (ids.length < perConnection) return;
      const frames = ids.splice(0).flatMap((streamId) => [
        frameBytes(F.HEADERS, FLAG.END_HEADERS, streamId, encodeFields([[':status', '200'], ['content-length', '2']])),
        frameBytes(F.DATA, FLAG.END_STREAM, streamId, Buffer.from('ok')),
      ]);
      conn.socket.write(Buffer.concat(frames));
      if (close === 'end') conn.socket.end();
    },
  });
}

/** Runs STREAMS exchanges over `sessions` sessions sharing one budget; returns, for each, the turn of the loop it completed in. */
async function completionTurns(url: string, sessionCount = 1): Promise<number[]> {
  const deps = { ...sessionDeps(), readTurn: new ReadTurn(FRAMES_PER_TURN) };
  const sessions = await Promise.all(Array.from({ length: sessionCount }, () => connectSession(url, deps)));
  const turns = countLoopTurns();
  try {
    return await Promise.all(
      Array.from({ length: STREAMS }, async (_, i) => {
        const { ctx, dispose } = budgetContext(BUDGET_MS);
        try {
          const response = await exchangeHttp2(sessions[i % sessionCount] as H2Session, hopRequest(url), ctx);
          assert.equal(response.statusCode, 200);
          assert.equal(Buffer.concat(response.bodyChunks).toString(), 'ok');
          return turns.turn;
        } finally {
          dispose();
        }
      }),
    );
  } finally {
    turns.stop();
    for (const session of sessions) session.destroy();
  }
}

function assertSpread(turns: number[]): void {
  assert.equal(turns.length, STREAMS);
  const perTurn = new Map<number, number>();
  for (const t of turns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
  const busiest = Math.max(...perTurn.values());
  // A turn's budget is spent in its poll phase and, refilled, once more in its check phase:
  // at most 2 x FRAMES_PER_TURN frames, so FRAMES_PER_TURN answers, per turn.
  assert.ok(busiest <= FRAMES_PER_TURN, `${busiest} answers completed in one turn`);
  assert.ok(perTurn.size >= STREAMS / FRAMES_PER_TURN, `only ${perTurn.size} turns for ${STREAMS} answers`);
}

describe('HTTP/2 engine: bounded work per turn of the event loop', () => {
  it(`answers read at once complete over many turns, at most ${FRAMES_PER_TURN} frames per turn (poll and check phase), every one of them`, async () => {
    const server = await batchingServer('keep');
    try {
      assertSpread(await completionTurns(server.url));
    } finally {
      await server.close();
    }
  });

  it('sessions of one Clients share the budget: four sessions read at once still parse at most the budget per turn', async () => {
    const server = await batchingServer('keep', STREAMS / 4);
    try {
      assertSpread(await completionTurns(server.url, 4));
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

describe('HTTP/2 engine: sessions waiting for the budget are served in turn', () => {
  it('a session with an endless supply of frames does not keep the budget: the other sessions\' answers complete within a few turns while it is still being read', async () => {
    const FLOOD_FRAMES = 256 * 235; // one byte of DATA each (written in batches of 256): ~470 turns of 128 frames
    const OTHERS = 3;
    let floodConnection: object | null = null;
    const server = await startRawH2Server({
      onRequest: (conn, id) => {
        if (floodConnection === null) {
          floodConnection = conn.socket;
          conn.headers(id, [[':status', '200']], false);
          void conn.flood(frameBytes(F.DATA, 0, id, Buffer.from('x')), FLOOD_FRAMES).then(() => conn.data(id, '', true));
          return;
        }
        conn.socket.write(answer(id));
      },
    });
    const deps = { ...sessionDeps(), readTurn: new ReadTurn(FRAMES_PER_TURN) };
    const sessions = await Promise.all(Array.from({ length: 1 + OTHERS }, () => connectSession(server.url, deps)));
    const turns = countLoopTurns();
    try {
      // The flooded stream: counts the DATA frames it has read, resolves at its end.
      let floodRead = 0;
      let isFloodOver = false;
      let onFloodRead: (() => void) | null = null;
      const floodEnded = new Promise<void>((resolve, reject) => {
        const listener: StreamListener = {
          onWritten: () => undefined,
          onField: () => undefined,
          onResponse: () => undefined,
          onData: () => {
            floodRead++;
            onFloodRead?.();
          },
          onEnd: () => {
            isFloodOver = true;
            resolve();
          },
          onError: (_stream, end) => reject(new Error(end.detail)),
        };
        const flooded = sessions[0] as H2Session;
        assert.ok(flooded.request(encodeRequestBlock(hopRequest(server.url)), null, false, listener) !== null);
      });
      // Once the flood has filled several turns, the flooded session is the one waiting
      // for the budget; now the others ask, and their answers arrive behind it.
      await new Promise<void>((resolve) => (onFloodRead = () => floodRead >= 4 * FRAMES_PER_TURN && resolve()));
      onFloodRead = null;
      const askedAtTurn = turns.turn;
      const completed = await Promise.all(
        sessions.slice(1).map(async (session) => {
          const { ctx, dispose } = budgetContext(BUDGET_MS);
          try {
            const response = await exchangeHttp2(session, hopRequest(server.url), ctx);
            assert.equal(response.statusCode, 200);
            return { turns: turns.turn - askedAtTurn, isFloodOver, floodRead };
          } finally {
            dispose();
          }
        }),
      );
      for (const c of completed) {
        assert.equal(c.isFloodOver, false, `an answer waited for the whole flood (${c.floodRead} of ${FLOOD_FRAMES} frames read)`);
        // A round trip on loopback and one round of the waiting sessions: a handful of turns,
        // against the ~470 the flood takes to read.
        assert.ok(c.turns <= 20, `an answer took ${c.turns} turns of the loop (the flood read ${c.floodRead} frames meanwhile)`);
      }
      await floodEnded;
      assert.equal(floodRead, FLOOD_FRAMES, 'the flooded stream read every frame');
    } finally {
      turns.stop();
      for (const session of sessions) session.destroy();
      await server.close();
    }
  });
});

describe('HTTP/2 engine: late answers to streams we reset', () => {
  it('answers arriving after more than MAX_RECENTLY_RESET later resets are ignored: the session and its other streams live on', async () => {
    const held = 1_100; // more than MAX_RECENTLY_RESET (1,024) resets before the first late answer
    const waiting: number[] = [];
    const server = await startRawH2Server({
      onRequest: (conn, id) => {
        if (id > 2 * held) return conn.socket.write(answer(id));
        waiting.push(id);
        if (waiting.length === held) setTimeout(() => conn.socket.write(Buffer.concat(waiting.map(answer))), 400);
      },
    });
    try {
      const session = await connectSession(server.url);
      const timedOut = await Promise.all(
        Array.from({ length: held }, async () => {
          const { ctx, dispose } = budgetContext(100);
          try {
            await exchangeHttp2(session, hopRequest(server.url), ctx);
            return 'answered';
          } catch (failure) {
            return (failure as { kind?: string }).kind;
          } finally {
            dispose();
          }
        }),
      );
      assert.deepEqual(new Set(timedOut), new Set(['timeout']));
      await new Promise((resolve) => setTimeout(resolve, 600)); // the late answers arrive and are read
      const { ctx, dispose } = budgetContext(2_000);
      try {
        const response = await exchangeHttp2(session, hopRequest(server.url), ctx);
        assert.equal(response.statusCode, 200);
      } finally {
        dispose();
        session.destroy();
      }
      assert.equal(server.client.resets.length, held, 'every timed-out stream was reset (CANCEL)');
      assert.deepEqual(server.client.goawayCodes, [], 'no connection error for late answers');
    } finally {
      await server.close();
    }
  });
});

describe('HTTP/2 engine: answers read after the budget ran out', () => {
  it('answers decoded after their checks\' deadlines, while the clock is still expiring a burst in slices, are timeouts, not successes', async () => {
    const CHECKS = 5;
    const BUDGET = 60;
    let held: Array<{ write: () => void }> = [];
    const server = await startRawH2Server({
      onRequest: (conn, id) => {
        held.push({ write: () => conn.socket.write(answer(id)) });
        if (held.length < CHECKS) return;
        // Answer all of them, then hold this (the whole) process past their deadlines: the
        // answers are read in the turns after, when one expiry per turn is all the clock does.
        for (const h of held) h.write();
        held = [];
        const until = performance.now() + BUDGET + 20;
        while (performance.now() < until) {
          // busy: the loop is stalled, as a loaded load generator's is
        }
      },
    });
    const clock = new DeadlineClock(1);
    const session = await connectSession(server.url, { ...sessionDeps(), clock });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: CHECKS }, async () => {
          const ctx = new CheckContext(new PhaseTimer(), BUDGET);
          armBudget(ctx, clock, BUDGET, undefined);
          try {
            await exchangeHttp2(session, hopRequest(server.url), ctx);
            return 'answered';
          } catch (failure) {
            return (failure as { kind?: string }).kind;
          } finally {
            disarmBudget(ctx, clock);
          }
        }),
      );
      assert.deepEqual(outcomes, Array.from({ length: CHECKS }, () => 'timeout'));
      assert.equal(clock.armed, 0);
    } finally {
      session.destroy();
      await server.close();
    }
  });
});

function answer(streamId: number): Buffer {
  return Buffer.concat([
    frameBytes(F.HEADERS, FLAG.END_HEADERS, streamId, encodeFields([[':status', '200'], ['content-length', '2']])),
    frameBytes(F.DATA, FLAG.END_STREAM, streamId, Buffer.from('ok')),
  ]);
}
