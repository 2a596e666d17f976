import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterDelay, chooseAction, type MockAction, type MockConfig } from './mock-behaviour.js';
import { serveRawH2 } from './raw-h2-connection.js';

/**
 * The mock servers: `count` listeners on 127.0.0.1:0 answering `GET /ok` with 200 `ok` over
 * HTTP/1.1 or HTTPS/1.1 (node:http/https; other paths get 404), or h2c / h2 over TLS (ALPN
 * offers only h2) with the raw h2 responder (every stream is answered), with the configured
 * delay and fault mix.
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
  if (config.tls === null) return createNetServer((socket) => serveRawH2(socket, config));
  const server = createTlsServer({ cert: config.tls.certPem, key: config.tls.keyPem, ALPNProtocols: ['h2'] }, (socket) => serveRawH2(socket, config));
  server.on('tlsClientError', () => undefined);
  return server;
}
