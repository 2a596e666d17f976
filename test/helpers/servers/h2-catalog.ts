import {
  constants,
  createSecureServer,
  createServer,
  type Http2Server,
  type Http2SecureServer,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
  type Settings,
} from 'node:http2';
import { gzipSync } from 'node:zlib';
import { fixtureCert } from '../certs.js';
import { closer, listen, LOOPBACK_V4, TimerSet, trackSockets, type RecordedRequest, type TestServer } from './test-server.js';

/**
 * The HTTP/2 test server (node:http2 on 127.0.0.1:0): h2c (prior knowledge) and TLS with ALPN
 * h2 (the `valid` fixture cert). A test either passes its own stream handler (`serveH2`, the
 * engine's tests) or picks a behaviour (`startH2Server`): answering 200 "h2 ok" (with behaviour 'ok', path `/gzip` answers a gzip-encoded
 * "h2 gzip ok" and `/redirect` a 302 to `/gzip`), refusing every stream (RST_STREAM REFUSED_STREAM), or sending
 * GOAWAY: `goaway` sends GOAWAY(NO_ERROR, last stream 0) as soon as the session opens, so
 * the client's first stream was never processed; `goaway-error` answers the first stream
 * with GOAWAY(ENHANCE_YOUR_CALM) and drops the connection.
 */
type H2Behaviour = 'ok' | 'refuse-stream' | 'goaway' | 'goaway-error';

export interface H2ServerOptions {
  readonly tls?: boolean;
  readonly behaviour?: H2Behaviour;
  /** with TLS: also accept HTTP/1.1 (ALPN http/1.1) */
  readonly allowHttp1?: boolean;
  /** delay before the 200 answer (behaviour 'ok') */
  readonly delayMs?: number;
  /**
   * behaviour 'goaway': only the first N sessions get GOAWAY, later ones are answered
   * normally (a server restarting behind a pool). Default: every session.
   */
  readonly goawaySessions?: number;
  /** SETTINGS the server sends (e.g. maxConcurrentStreams) */
  readonly settings?: Settings;
  /** answers every stream itself; the behaviour options are then unused */
  readonly onStream?: StreamHandler;
}

export type StreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, server: H2TestServer) => void;

export interface H2TestServer extends TestServer {
  /** `http://127.0.0.1:PORT`, or `https://localhost:PORT` (the name the fixture cert covers) */
  readonly origin: string;
  /** TCP connections accepted, in order */
  readonly connections: number;
  /** streams opened, across all sessions */
  readonly streams: number;
  /** highest number of streams open at once on one session */
  readonly maxOpenStreams: number;
  /** every stream's request headers as received, pseudo-headers included */
  readonly received: IncomingHttpHeaders[];
}

function record(headers: IncomingHttpHeaders): RecordedRequest {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !name.startsWith(':')) plain[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { method: String(headers[':method'] ?? ''), path: String(headers[':path'] ?? ''), headers: plain, body: '' };
}

const GZIP_BODY = gzipSync('h2 gzip ok');

function answer(stream: ServerHttp2Stream, path: string, behaviour: H2Behaviour, timers: TimerSet, delayMs: number): void {
  stream.on('error', () => undefined);
  if (behaviour === 'refuse-stream') {
    stream.close(constants.NGHTTP2_REFUSED_STREAM);
    return;
  }
  if (behaviour === 'goaway-error') {
    // GOAWAY with an error code: the client tears the whole session down.
    stream.session?.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    stream.session?.destroy();
    return;
  }
  const send = (): void => {
    if (stream.destroyed) return;
    if (path === '/redirect') {
      stream.respond({ ':status': 302, location: '/gzip' });
      stream.end();
    } else if (path === '/gzip') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      stream.end(GZIP_BODY);
    } else {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end('h2 ok');
    }
  };
  if (delayMs > 0) timers.after(delayMs, send);
  else send();
}

export async function startH2Server(options: H2ServerOptions = {}): Promise<H2TestServer> {
  const timers = new TimerSet();
  const requests: RecordedRequest[] = [];
  const received: IncomingHttpHeaders[] = [];
  const behaviour = options.behaviour ?? 'ok';
  const settings = options.settings ?? {};
  const server: Http2Server | Http2SecureServer =
    options.tls === true
      ? createSecureServer({ ...fixtureCert('valid'), allowHTTP1: options.allowHttp1 ?? false, settings })
      : createServer({ settings });
  const sessions = new Set<Http2Session>();
  const openBySession = new Map<Http2Session, number>();
  const counts = { connections: 0, streams: 0, maxOpenStreams: 0 };
  let sessionCount = 0;
  const goawaySessions = options.goawaySessions ?? Number.POSITIVE_INFINITY;
  server.on(options.tls === true ? 'secureConnection' : 'connection', () => counts.connections++);
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('error', () => undefined);
    sessionCount += 1;
    if (options.onStream === undefined && behaviour === 'goaway' && sessionCount <= goawaySessions) {
      // Node replaces a lastStreamID of 0 by the last stream it processed, so GOAWAY must go
      // out before any stream was processed, i.e. here, for "none of your streams" to be sent.
      session.goaway(constants.NGHTTP2_NO_ERROR, 0);
      session.close();
    }
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    counts.streams++;
    requests.push(record(headers));
    received.push(headers);
    const session = stream.session as Http2Session;
    const open = (openBySession.get(session) ?? 0) + 1;
    openBySession.set(session, open);
    counts.maxOpenStreams = Math.max(counts.maxOpenStreams, open);
    stream.once('close', () => openBySession.set(session, (openBySession.get(session) ?? 1) - 1));
    if (options.onStream !== undefined) {
      stream.on('error', () => undefined);
      options.onStream(stream, headers, api);
      return;
    }
    answer(stream, String(headers[':path'] ?? '/'), behaviour === 'goaway' ? 'ok' : behaviour, timers, options.delayMs ?? 0);
  });
  if (options.allowHttp1 === true) {
    server.on('request', (req, res) => {
      if (req.httpVersion === '2.0') return;
      requests.push(record(req.headers));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('h1 ok');
    });
  }
  server.on('sessionError', () => undefined);
  server.on('tlsClientError', () => undefined);
  const sockets = trackSockets(server);
  const port = await listen(server);
  const destroySessions = (): void => {
    for (const session of sessions) session.destroy();
  };
  const api: H2TestServer = {
    host: LOOPBACK_V4,
    port,
    url: `${options.tls === true ? 'https' : 'http'}://${LOOPBACK_V4}:${port}/`,
    origin: `${options.tls === true ? 'https://localhost' : `http://${LOOPBACK_V4}`}:${port}`,
    get connections() {
      return counts.connections;
    },
    get streams() {
      return counts.streams;
    },
    get maxOpenStreams() {
      return counts.maxOpenStreams;
    },
    requests,
    received,
    close: closer(server, sockets, [() => timers.clear(), destroySessions]),
  };
  return api;
}

/** The server answering every stream with `handler` (the engine's tests). */
export function serveH2(handler: StreamHandler, options: Omit<H2ServerOptions, 'onStream'> = {}): Promise<H2TestServer> {
  return startH2Server({ ...options, onStream: handler });
}

export function respondText(stream: ServerHttp2Stream, status: number, body: string): void {
  if (stream.destroyed) return;
  stream.respond({ ':status': status, 'content-type': 'text/plain', 'x-twice': ['a', 'b'], 'retry-after': '7' });
  stream.end(body);
}
