import type { Clients } from '../clients.js';
import type { TLSSocket } from 'node:tls';
import type { CheckContext, Connection } from '../net/connection-types.js';
import { CheckFailure } from '../errors/check-failure.js';
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
 * What pooled HTTPS with `http2: 'alpn'` learned per origin (pool key): the protocol the
 * server picked in ALPN on the last new connection. Bounded: the oldest origin is forgotten
 * (and learned again on its next new connection).
 */
export class AlpnChoices {
  private readonly choices = new Map<string, 'h2' | 'http/1.1'>();

  constructor(private readonly maxOrigins: number = 10_000) {}

  get(poolKey: string): 'h2' | 'http/1.1' | undefined {
    return this.choices.get(poolKey);
  }

  set(poolKey: string, choice: 'h2' | 'http/1.1'): void {
    if (!this.choices.has(poolKey) && this.choices.size >= this.maxOrigins) {
      const oldest = this.choices.keys().next();
      if (oldest.done !== true) this.choices.delete(oldest.value);
    }
    this.choices.set(poolKey, choice);
  }
}

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
      if ((socket as TLSSocket).alpnProtocol === 'h2') return createSessionOverSocket(socket, origin);
      clients.alpnChoices.set(poolKey, 'http/1.1');
      socket.destroy();
      throw new AlpnChanged(origin);
    });
}

/**
 * Pooled sessions are keyed by the plan's pool key: the origin, plus " insecure" for sessions
 * opened without certificate verification, so such a session never serves a verifying check.
 */
export function exchangeH2Pooled(clients: Clients, poolKey: string, connect: SessionConnector, request: HopRequest, ctx: CheckContext): Promise<HopResponse> {
  return clients.h2Pool.exchange(poolKey, connect, request, ctx);
}
