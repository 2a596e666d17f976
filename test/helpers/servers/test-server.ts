import type { Server as NetServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * What every catalog server hands back. `url` is the base URL (`http://127.0.0.1:PORT/` or `https://…`); `requests` lists what the server received,
 * in arrival order, so a test can assert what the client sent (headers dropped on a
 * cross-origin hop, method and body kept on 307). No test-framework imports here: the
 * load-test harness reuses these servers.
 */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface RecordedRequest {
  readonly method: string;
  /** the request target as sent, e.g. `/a?b=1` */
  readonly path: string;
  /** lower-case names; repeated headers joined with ", " */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const LOOPBACK_V4 = '127.0.0.1';

/** Tracks open sockets so `close()` can end keep-alive and stalled connections at once. */
export function trackSockets(server: NetServer): Set<Socket> {
  const sockets = new Set<Socket>();
  const add = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A client that gives up mid-response makes our writes fail; that is expected here.
    socket.on('error', () => undefined);
  };
  server.on('connection', add);
  // TLS servers: the TLSSocket is what the handlers write to; destroy it too.
  server.on('secureConnection', add);
  return sockets;
}

export function listen(server: NetServer, host: string = LOOPBACK_V4): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes the listener, destroys every open socket and runs the extra cleanups (timers). */
export function closer(server: NetServer, sockets: Set<Socket>, cleanups: Array<() => void> = []): () => Promise<void> {
  let closing: Promise<void> | null = null;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      for (const cleanup of cleanups) cleanup();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
    return closing;
  };
}

export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Timers a server sets while answering; cleared when the server closes. */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();

  after(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    this.timers.add(timer);
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
