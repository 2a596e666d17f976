/**
 * A TCP proxy on 127.0.0.1 that a test can cut: `stop()` closes the listener and destroys
 * every connection (the peer sees the database vanish), `start()` listens again on the same
 * port. Used to make Postgres unreachable for one process only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function tcpProxy(port: number, upstreamPort: number, upstreamHost = '127.0.0.1'): TcpProxy {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  return {
    port,
    async start() {
      if (server !== null) return;
      const s = createServer((client) => {
        const upstream = connect(upstreamPort, upstreamHost);
        track(client);
        track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', resolve);
      });
      server = s;
    },
    async stop() {
      const s = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
