import type { Clients } from '../clients.js';
import type { CheckContext, Connection } from '../net/connection-types.js';
import { exchangeHttp2OverSocket, createSessionOverSocket } from '../http2/over-socket.js';
import type { HopRequest, HopResponse } from './exchange-types.js';

/**
 * The seam between the orchestrator and the HTTP/2 engine (src/check/http2/).
 */
export function exchangeH2OverSocket(socket: Connection, request: HopRequest, ctx: CheckContext): Promise<HopResponse> {
  return exchangeHttp2OverSocket(socket, request.url.origin, request, ctx);
}

/**
 * Pooled sessions are keyed by origin: `connect` (dns, SSRF guard, connect, tls, all marked
 * on this check's timer) runs only when the pool needs a new session for this check.
 */
export function exchangeH2Pooled(
  clients: Clients,
  poolKey: string,
  request: HopRequest,
  ctx: CheckContext,
  connect: () => Promise<Connection>,
): Promise<{ response: HopResponse; reused: boolean }> {
  // The key carries " insecure" for sessions opened without certificate verification, so
  // such a session never serves a verifying check (hop-plan.ts).
  const origin = request.url.origin;
  return clients.h2Pool.exchange(poolKey, async () => createSessionOverSocket(await connect(), origin), request, ctx);
}
