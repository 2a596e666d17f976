import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { DeadlineClock } from '../../src/check/context/deadline-clock.js';
import type { H2Session } from '../../src/check/http2/session.js';
import { createSessionOverSocket, type SessionDeps } from '../../src/check/http/h2/over-socket.js';
import { CheckContext } from '../../src/check/context/check-context.js';
import { PhaseTimer } from '../../src/check/context/phase-timer.js';
import { CheckFailure } from '../../src/check/errors/check-failure.js';
import type { HopRequest } from '../../src/check/exchange-types.js';
import { fixtureCa } from './certs.js';

/**
 * What a test of our HTTP/2 engine needs besides the server (servers/h2-catalog.ts): a
 * request, a per-check context with a budget, the session's dependencies, and our session
 * over a socket to that server. Only tests import this file.
 */
export function testLimits(maxBodyBytes = 1024 * 1024): HopRequest['limits'] {
  return { maxBodyBytes, maxDecodedBytes: 8 * 1024 * 1024, maxHeaderBytes: 64 * 1024 };
}

export function hopRequest(url: string, overrides: Partial<HopRequest> = {}): HopRequest {
  return {
    method: 'GET',
    url: new URL(url),
    headers: [
      ['user-agent', 'vigil-test'],
      ['connection', 'close'],
      ['accept', '*/*'],
    ],
    body: null,
    expectBody: true,
    needBody: true,
    limits: testLimits(),
    ...overrides,
  };
}

/** A context whose budget timer aborts like the orchestrator's does. */
export function budgetContext(budgetMs: number): { ctx: CheckContext; dispose(): void } {
  const ctx = new CheckContext(new PhaseTimer(), budgetMs);
  const timer = setTimeout(() => ctx.abort(new CheckFailure('timeout', ctx.phase, `no response within ${budgetMs} ms`)), budgetMs);
  return { ctx, dispose: () => clearTimeout(timer) };
}

/** What a session needs (limits, a clock of its own), as a check's Clients would give it. */
export function sessionDeps(maxHeaderBytes = 64 * 1024): SessionDeps {
  return { limits: { maxHeaderBytes }, clock: new DeadlineClock() };
}

function connectSocket(origin: string): Socket {
  const url = new URL(origin);
  const port = Number(url.port);
  return url.protocol === 'https:'
    ? connectTls({ host: '127.0.0.1', port, servername: 'localhost', ca: fixtureCa(), ALPNProtocols: ['h2'] })
    : connectTcp(port, '127.0.0.1');
}

/** Our session over a socket still connecting (its writes wait for the connection). */
export function openSession(origin: string, deps: SessionDeps = sessionDeps()): H2Session {
  return createSessionOverSocket(connectSocket(origin), deps);
}

/** Our session once the connection (and TLS) is up, as the executor's connectors return it. */
export function connectSession(origin: string, deps: SessionDeps = sessionDeps()): Promise<H2Session> {
  const socket = connectSocket(origin);
  const event = origin.startsWith('https:') ? 'secureConnect' : 'connect';
  return new Promise<H2Session>((resolve, reject) => {
    socket.once('error', reject);
    socket.once(event, () => {
      socket.off('error', reject);
      resolve(createSessionOverSocket(socket, deps));
    });
  });
}
