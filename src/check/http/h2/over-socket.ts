import type { Socket } from 'node:net';
import type { HopRequest, HopResponse } from '../../exchange-types.js';
import type { CheckContext } from '../../context/check-context.js';
import type { CheckFailure } from '../../errors/check-failure.js';
import { H2Session, type SessionClock } from '../../http2/session.js';
import type { H2Limits } from '../../http2/limits.js';
import type { ReadTurn } from '../../http2/read-turn.js';
import { HpackDecoder } from '../../http2/hpack/index.js';
import { startHttp2Exchange } from './exchange.js';

/** What a session needs from the check's world: the header limit and the clients' clock. */
export interface SessionDeps {
  readonly limits: { readonly maxHeaderBytes: number };
  readonly clock: SessionClock;
  /** default SETTINGS_ACK_TIMEOUT_MS (src/check/http2/limits.ts); tests shorten it */
  readonly settingsAckTimeoutMs?: number;
  /** the frame budget per turn shared by the clients' sessions (default: one per session) */
  readonly readTurn?: ReadTurn;
}

/**
 * Our HTTP/2 client session over a socket the caller already connected (plain TCP for h2c
 * prior knowledge, or TLS whose ALPN picked "h2"), so dns/connect/tls were measured by the
 * connector. The response header list is bounded by `limits.maxHeaderBytes`.
 */
export function createSessionOverSocket(socket: Socket, deps: SessionDeps): H2Session {
  const limits: H2Limits = { maxHeaderListBytes: deps.limits.maxHeaderBytes };
  const decoder = new HpackDecoder({ maxHeaderListSize: limits.maxHeaderListBytes });
  return new H2Session(socket, { limits, clock: deps.clock, decoder, settingsAckTimeoutMs: deps.settingsAckTimeoutMs, readTurn: deps.readTurn });
}

/**
 * The fresh policy: one session over `socket`, one exchange written at once (preface,
 * SETTINGS and the request in one write), then the session is closed (GOAWAY, the socket
 * ends) whatever the outcome; after an abort it is destroyed.
 */
export function exchangeHttp2OverSocket(socket: Socket, request: HopRequest, ctx: CheckContext, deps: SessionDeps): Promise<HopResponse> {
  const session = createSessionOverSocket(socket, deps);
  return new Promise<HopResponse>((resolve, reject) => {
    const done = {
      exchanged(failure: CheckFailure | null, response: HopResponse | null): void {
        if (ctx.aborted !== null) session.destroy();
        else session.close();
        if (failure === null) resolve(response as HopResponse);
        else reject(failure);
      },
    };
    startHttp2Exchange(session, request, ctx, done, true);
  });
}
