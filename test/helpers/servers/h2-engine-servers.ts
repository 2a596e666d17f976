import { readFileSync } from 'node:fs';
import {
  createSecureServer,
  createServer,
  type Http2Server,
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
  type Settings,
} from 'node:http2';
import { connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { DeadlineClock } from '../../../src/check/deadline-clock.js';
import type { H2Session } from '../../../src/check/http2/engine/session.js';
import { createSessionOverSocket, type SessionDeps } from '../../../src/check/http2/over-socket.js';
import { CheckContext } from '../../../src/check/net/connection-types.js';
import { PhaseTimer } from '../../../src/check/timing/phase-timer.js';
import { CheckFailure } from '../../../src/check/errors/check-failure.js';
import type { HopRequest } from '../../../src/check/http/exchange-types.js';

/**
 * Real HTTP/2 servers on 127.0.0.1:0 for the engine's tests (h2c and TLS with the fixture
 * certificates), plus the per-check context a test needs. Only tests import this file.
 */
export type StreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, server: H2TestServer) => void;

export interface H2TestServer {
  readonly origin: string;
  readonly port: number;
  /** TCP connections accepted, in order */
  readonly connections: number;
  /** streams opened, across all sessions */
  readonly streams: number;
  /** highest number of streams open at once on one session */
  readonly maxOpenStreams: number;
  readonly requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

const CERT_DIR = new URL('../../fixtures/certs/', import.meta.url);
export const FIXTURE_CA = readFileSync(new URL('ca.pem', CERT_DIR));

export interface ServerOptions {
  readonly tls?: boolean;
  readonly settings?: Settings;
}

export async function startH2Server(handler: StreamHandler, options: ServerOptions = {}): Promise<H2TestServer> {
  const settings = options.settings ?? {};
  const server: Http2Server | Http2SecureServer = options.tls
    ? createSecureServer({
        cert: readFileSync(new URL('valid.pem', CERT_DIR)),
        key: readFileSync(new URL('valid-key.pem', CERT_DIR)),
        settings,
      })
    : createServer({ settings });
  const sessions = new Set<ServerHttp2Session>();
  const openBySession = new Map<ServerHttp2Session, number>();
  const state = { connections: 0, streams: 0, maxOpenStreams: 0, requests: [] as IncomingHttpHeaders[] };
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.on('error', () => undefined);
    session.once('close', () => sessions.delete(session));
  });
  server.on(options.tls ? 'secureConnection' : 'connection', () => state.connections++);
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    state.streams++;
    state.requests.push(headers);
    const session = stream.session as ServerHttp2Session;
    const open = (openBySession.get(session) ?? 0) + 1;
    openBySession.set(session, open);
    state.maxOpenStreams = Math.max(state.maxOpenStreams, open);
    stream.once('close', () => openBySession.set(session, (openBySession.get(session) ?? 1) - 1));
    stream.on('error', () => undefined);
    handler(stream, headers, api);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const api: H2TestServer = {
    origin: `${options.tls ? 'https://localhost' : 'http://127.0.0.1'}:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    get streams() {
      return state.streams;
    },
    get maxOpenStreams() {
      return state.maxOpenStreams;
    },
    requests: state.requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
  return api;
}

export function respondText(stream: ServerHttp2Stream, status: number, body: string): void {
  if (stream.destroyed) return;
  stream.respond({ ':status': status, 'content-type': 'text/plain', 'x-twice': ['a', 'b'], 'retry-after': '7' });
  stream.end(body);
}

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
  const ctx = new CheckContext(new PhaseTimer(), performance.now() + budgetMs);
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
    ? connectTls({ host: '127.0.0.1', port, servername: 'localhost', ca: FIXTURE_CA, ALPNProtocols: ['h2'] })
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
