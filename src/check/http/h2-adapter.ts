import type { Clients } from '../clients.js';
import { CheckFailure } from '../errors/check-failure.js';
import type { CheckContext, Connection } from '../net/connection-types.js';
import type { HopRequest, HopResponse } from './exchange-types.js';

/**
 * The seam between the orchestrator and the HTTP/2 engine (src/check/http2/).
 */
export function exchangeH2OverSocket(_socket: Connection, _request: HopRequest, _ctx: CheckContext): Promise<HopResponse> {
  return Promise.reject(new CheckFailure('internal', null, 'HTTP/2 engine not wired yet'));
}

export function exchangeH2Pooled(
  _clients: Clients,
  _request: HopRequest,
  _ctx: CheckContext,
  _connect: () => Promise<Connection>,
): Promise<{ response: HopResponse; reused: boolean }> {
  return Promise.reject(new CheckFailure('internal', null, 'HTTP/2 engine not wired yet'));
}
