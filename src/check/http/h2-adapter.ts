import type { Clients } from '../clients.js';
import type { CheckContext, Connection } from '../net/connection-types.js';
import { openConnection, type ConnectTarget } from '../net/connect.js';
import type { SessionConnector } from '../http2/session-pool.js';
import { exchangeHttp2OverSocket, createSessionOverSocket } from '../http2/over-socket.js';
import type { HopRequest, HopResponse } from './exchange-types.js';

/**
 * The seam between the orchestrator and the HTTP/2 engine (src/check/http2/).
 */
export function exchangeH2OverSocket(socket: Connection, request: HopRequest, ctx: CheckContext): Promise<HopResponse> {
  return exchangeHttp2OverSocket(socket, request.url.origin, request, ctx);
}

/**
 * The connector a pooled HTTP/2 plan hands the session pool: called only when the pool
 * needs a new session, with the check that opens it (dns, SSRF guard, connect and tls are
 * marked on that check's timer). Built once per plan, not per check.
 */
export function h2SessionConnector(target: ConnectTarget, clients: Clients, origin: string): SessionConnector {
  return (ctx) => openConnection(target, clients, ctx).then((socket) => createSessionOverSocket(socket, origin));
}

/**
 * Pooled sessions are keyed by the plan's pool key: the origin, plus " insecure" for sessions
 * opened without certificate verification, so such a session never serves a verifying check.
 */
export function exchangeH2Pooled(clients: Clients, poolKey: string, connect: SessionConnector, request: HopRequest, ctx: CheckContext): Promise<HopResponse> {
  return clients.h2Pool.exchange(poolKey, connect, request, ctx);
}
