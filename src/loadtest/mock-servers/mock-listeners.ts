import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  constants as h2,
  createSecureServer as createH2SecureServer,
  createServer as createH2Server,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Server } from 'node:net';
import { afterDelay, chooseAction, type MockAction, type MockConfig } from './mock-behaviour.js';

/**
 * The mock servers: `count` listeners on 127.0.0.1:0 answering `GET /ok` with 200 `ok` over
 * HTTP/1.1, h2c (prior knowledge), HTTPS/1.1, or h2 over TLS (ALPN offers only h2), with the
 * configured delay and fault mix. Any other path gets 404.
 */
export interface MockListeners {
  readonly ports: readonly number[];
  close(): Promise<void>;
}

const OK_BODY = Buffer.from('ok');
const ERROR_BODY = Buffer.from('injected fault');
/** listen() backlog; the kernel caps it at net.core.somaxconn */
const BACKLOG = 65_535;

export async function startMockListeners(config: MockConfig): Promise<MockListeners> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < config.count; i++) {
      const server = config.http2 ? h2Server(config) : http1Server(config);
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, backlog: BACKLOG }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
  } catch (err) {
    await closeAll(servers);
    throw err;
  }
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('mock server has no TCP address');
    return address.port;
  });
  return { ports, close: () => closeAll(servers) };
}

async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s.listening) return resolve();
          s.close(() => resolve());
          (s as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
    ),
  );
}

function http1Server(config: MockConfig): Server {
  const handler = (req: IncomingMessage, res: ServerResponse): void => answerHttp1(req, res, config);
  const server = config.tls === null ? createHttpServer(handler) : createHttpsServer({ cert: config.tls.certPem, key: config.tls.keyPem }, handler);
  // A client that vanishes mid-request is normal under load; never let it crash the mock.
  server.on('clientError', (_err, socket) => socket.destroy());
  return server;
}

function answerHttp1(req: IncomingMessage, res: ServerResponse, config: MockConfig): void {
  if (req.url !== '/ok') return void res.writeHead(404, { 'content-length': 0 }).end();
  const action: MockAction = chooseAction(config, Math.random);
  if (action.type === 'reset') return void req.socket.resetAndDestroy();
  if (action.type === 'close') return void req.socket.destroy();
  const statusCode = action.type === 'status' ? action.statusCode : 200;
  const body = statusCode === 200 ? OK_BODY : ERROR_BODY;
  const cancel = afterDelay(action.delayMs, () => {
    if (res.destroyed) return;
    res.writeHead(statusCode, { 'content-type': 'text/plain', 'content-length': body.length }).end(body);
  });
  if (action.delayMs > 0) res.once('close', cancel);
}

function h2Server(config: MockConfig): Server {
  // Tens of thousands of concurrent streams share a few sessions: lift the per-session memory
  // cap (default 10 MB), or nghttp2 answers ENHANCE_YOUR_CALM under the harness's load.
  const settings = { maxConcurrentStreams: 1 << 20, initialWindowSize: 1 << 20 };
  const base = { settings, maxSessionMemory: 256, peerMaxConcurrentStreams: 1 << 20 };
  const server =
    config.tls === null
      ? createH2Server(base)
      : createH2SecureServer({ ...base, cert: config.tls.certPem, key: config.tls.keyPem, ALPNProtocols: ['h2'] });
  server.on('stream', (stream, headers) => answerH2(stream, headers[':path'], config));
  server.on('sessionError', () => undefined);
  return server as unknown as Server;
}

function answerH2(stream: ServerHttp2Stream, path: string | string[] | undefined, config: MockConfig): void {
  stream.on('error', () => undefined);
  if (path !== '/ok') return void stream.respond({ ':status': 404, 'content-length': 0 }, { endStream: true });
  const action = chooseAction(config, Math.random);
  // h2 has no per-request TCP connection: reset = RST_STREAM(INTERNAL_ERROR); close = the stream
  // ends without any response (RST_STREAM(NO_ERROR)).
  if (action.type === 'reset') return void stream.close(h2.NGHTTP2_INTERNAL_ERROR);
  if (action.type === 'close') return void stream.close(h2.NGHTTP2_NO_ERROR);
  const statusCode = action.type === 'status' ? action.statusCode : 200;
  const body = statusCode === 200 ? OK_BODY : ERROR_BODY;
  const cancel = afterDelay(action.delayMs, () => {
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ':status': statusCode, 'content-type': 'text/plain', 'content-length': body.length });
    stream.end(body);
  });
  if (action.delayMs > 0) stream.once('close', cancel);
}
