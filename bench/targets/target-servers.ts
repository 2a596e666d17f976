import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createSecureServer as createH2SecureServer, createServer as createH2Server, type Http2SecureServer, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer } from 'node:net';
import { fixtureCert } from '../../test/helpers/certs.js';

/** Ports of the loopback servers every executor bench talks to. */
export interface TargetPorts {
  readonly http1Port: number;
  readonly h2cPort: number;
  readonly httpsPort: number;
  /** HTTP/2 over TLS, ALPN h2 only (the fixture certificate) */
  readonly h2TlsPort: number;
}

export interface Targets extends TargetPorts {
  close(): Promise<void>;
}

/**
 * Asked-for listen backlog. 10,000 checks connect at once in the throughput bench; the
 * kernel caps the real queue at net.core.somaxconn (4096 here) — see docs/performance.md.
 */
export const LISTEN_BACKLOG = 20_000;
const BODY = 'ok';

function listen(server: NetServer | HttpServer | Http2Server | Http2SecureServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('server has no TCP address'));
      resolve(address.port);
    });
  });
}

function closeServer(server: NetServer | HttpServer | Http2Server | Http2SecureServer): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Starts the HTTP/1.1, h2c, HTTPS and h2-over-TLS servers on 127.0.0.1:0; each answers 200 "ok". */
export async function startTargets(): Promise<Targets> {
  const http1 = createHttpServer({ keepAliveTimeout: 5_000 }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
    res.end(BODY);
  });
  const sessions = new Set<ServerHttp2Session>();
  // 50,000 streams in flight over a few sessions: lift nghttp2's per-session memory cap (10 MB),
  // past which it refuses new streams.
  const h2c = createH2Server({ settings: { maxConcurrentStreams: 100_000 }, maxSessionMemory: 4_096 });
  h2c.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => {}); // a client that goes away mid-stream is its problem, not ours
    session.on('close', () => sessions.delete(session));
  });
  const answerH2 = (stream: ServerHttp2Stream): void => {
    stream.on('error', () => {}); // reset or refused streams: the client's result says so
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': BODY.length });
    stream.end(BODY);
  };
  h2c.on('stream', answerH2);
  const h2Tls = createH2SecureServer(fixtureCert('valid'));
  h2Tls.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => {});
    session.on('close', () => sessions.delete(session));
  });
  h2Tls.on('stream', answerH2);
  const https = createHttpsServer(
    { ...fixtureCert('valid'), keepAliveTimeout: 5_000 },
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
      res.end(BODY);
    },
  );
  const [http1Port, h2cPort, httpsPort, h2TlsPort] = await Promise.all([listen(http1), listen(h2c), listen(https), listen(h2Tls)]);
  return {
    http1Port,
    h2cPort,
    httpsPort,
    h2TlsPort,
    async close() {
      for (const session of sessions) session.destroy();
      await Promise.all([closeServer(http1), closeServer(h2c), closeServer(https), closeServer(h2Tls)]);
    },
  };
}

