import { connect as connectHttp2, type ClientHttp2Session, type SessionOptions } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { HopRequest, HopResponse } from '../http/exchange-types.js';
import type { CheckContext } from '../net/connection-types.js';
import { exchangeHttp2 } from './exchange.js';
import { watchSession } from './h2-failure.js';

/**
 * Session settings for a check client. maxSessionMemory is raised from Node's 10 MB because
 * the pooled load-test path runs thousands of streams on one session; the header table and
 * header list limits stay at Node's defaults.
 */
const SESSION_OPTIONS: SessionOptions = Object.freeze({ maxSessionMemory: 256 });

/**
 * Creates an HTTP/2 client session over a socket the caller already connected (plain TCP for
 * h2c prior knowledge, or TLS whose ALPN picked "h2"), so dns/connect/tls were measured by
 * the connector. `authority` is the origin, e.g. "https://example.com:443".
 */
export function createSessionOverSocket(socket: Duplex, authority: string | URL): ClientHttp2Session {
  const session = connectHttp2(authority, { ...SESSION_OPTIONS, createConnection: () => socket });
  watchSession(session);
  return session;
}

/**
 * The fresh policy: one session over `socket`, one exchange, then the session is closed
 * (GOAWAY, then the socket ends once the stream is done) whatever the outcome.
 */
export async function exchangeHttp2OverSocket(
  socket: Duplex,
  authority: string | URL,
  request: HopRequest,
  ctx: CheckContext,
): Promise<HopResponse> {
  const session = createSessionOverSocket(socket, authority);
  try {
    return await exchangeHttp2(session, request, ctx);
  } finally {
    // After an abort the stream was cancelled; destroy instead of waiting for a polite close.
    if (ctx.aborted !== null) session.destroy();
    else session.close();
  }
}
