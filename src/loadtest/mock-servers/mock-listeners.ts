import { createServer as createNetServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { MockConfig } from './mock-behaviour.js';
import { serveRawHttp1 } from './raw-http1-connection.js';
import { serveRawH2 } from './raw-h2-connection.js';

/**
 * The mock servers: `count` listeners on 127.0.0.1:0 answering `GET /ok` with 200 `ok` over
 * HTTP/1.1 (other paths get 404) or h2c, plain or over TLS (ALPN offers only the one protocol),
 * with the configured delay and fault mix. Both protocols are small raw-socket responders
 * (raw-http1-connection.ts, raw-h2-connection.ts) so the mocks cost little of the CPU the run
 * is meant to spend on the executor.
 */
export interface MockListeners {
  readonly ports: readonly number[];
  close(): Promise<void>;
}

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
  if (config.tls === null) return createNetServer((socket) => serveRawHttp1(socket, config));
  const server = createTlsServer({ cert: config.tls.certPem, key: config.tls.keyPem, ALPNProtocols: ['http/1.1'] }, (socket) => serveRawHttp1(socket, config));
  // A client that vanishes mid-handshake is normal under load; never let it crash the mock.
  server.on('tlsClientError', () => undefined);
  return server;
}

function h2Server(config: MockConfig): Server {
  if (config.tls === null) return createNetServer((socket) => serveRawH2(socket, config));
  const server = createTlsServer({ cert: config.tls.certPem, key: config.tls.keyPem, ALPNProtocols: ['h2'] }, (socket) => serveRawH2(socket, config));
  server.on('tlsClientError', () => undefined);
  return server;
}
