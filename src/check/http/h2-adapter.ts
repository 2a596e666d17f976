import type { Clients } from '../clients.js';
import type { TLSSocket } from 'node:tls';
import type { CheckContext } from '../context/check-context.js';
import type { Connection } from '../net/connection-types.js';
import { CheckFailure } from '../errors/check-failure.js';
import { openConnection, type ConnectTarget } from '../net/connect.js';
import type { SessionConnector } from './h2/session-pool.js';
import { exchangeHttp2OverSocket, createSessionOverSocket } from './h2/over-socket.js';
import type { HopRequest, HopResponse } from '../exchange-types.js';

/**
 * The seam between the orchestrator and the HTTP/2 engine (src/check/http2/).
 */
export function exchangeH2OverSocket(socket: Connection, request: HopRequest, ctx: CheckContext, clients: Clients): Promise<HopResponse> {
  return exchangeHttp2OverSocket(socket, request, ctx, clients);
}

/**
 * The connector a pooled HTTP/2 plan hands the session pool: called only when the pool
 * needs a new session, with the check that opens it (dns, SSRF guard, connect and tls are
 * marked on that check's timer). Built once per plan, not per check.
 */
export function h2SessionConnector(target: ConnectTarget, clients: Clients): SessionConnector {
  return (ctx) => openConnection(target, clients, ctx).then((socket) => createSessionOverSocket(socket, clients));
}

/** What a pooled HTTPS origin picked in ALPN on its last new connection (`clients.alpnChoices`). */
export type AlpnChoice = 'h2' | 'http/1.1';

/**
 * A new connection for an origin believed to speak h2 came back with ALPN http/1.1 (the
 * server changed): the check goes again over HTTP/1.1. Never reaches a result.
 */
export class AlpnChanged extends CheckFailure {
  constructor(origin: string) {
    super('internal', 'tls', `${origin} no longer picks h2 in ALPN`);
  }
}

/**
 * The session connector of pooled HTTPS with ALPN: a TLS connection offering h2 and
 * http/1.1; a session when the server picks h2, else the origin is relearned as HTTP/1.1
 * and the connection closed (AlpnChanged).
 */
export function alpnSessionConnector(target: ConnectTarget, clients: Clients, origin: string, poolKey: string): SessionConnector {
  return (ctx) =>
    openConnection(target, clients, ctx).then((socket) => {
      if ((socket as TLSSocket).alpnProtocol === 'h2') return createSessionOverSocket(socket, clients);
      clients.alpnChoices.set(poolKey, 'http/1.1');
      socket.destroy();
      throw new AlpnChanged(origin);
    });
}
