import { createServer as createNetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { closer, hostForUrl, listen, LOOPBACK_V4, TimerSet, trackSockets, type RecordedRequest, type TestServer } from './test-server.js';

/**
 * A server on a bare socket, for misbehaviour that node:http would sanitize (bad status
 * lines, conflicting framing, LF-only lines, interim responses, resets). It reads one request
 * head (and a Content-Length body), records it, then lets the handler write whatever bytes it
 * likes. `timers` are cleared when the server closes, so a stalled answer never outlives it.
 */
export type RawHandler = (socket: Socket, request: RecordedRequest, timers: TimerSet) => void;

export interface RawServerOptions {
  /** serve TLS with this key/cert (the handler then writes inside TLS) */
  readonly tls?: Pick<TlsOptions, 'key' | 'cert' | 'ALPNProtocols'>;
  /** called on accept, before any request byte arrives (for accept-then-reset and the like) */
  readonly onAccept?: (socket: Socket, timers: TimerSet) => void;
  readonly host?: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_REQUEST_HEAD_BYTES = 64 * 1024;

function parseRequestHead(head: string): Omit<RecordedRequest, 'body'> {
  const [requestLine = '', ...lines] = head.split('\r\n');
  const [method = '', path = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { method, path, headers };
}

/** Reads one request from the socket and calls `done` once with it. */
function readRequest(socket: Socket, done: (request: RecordedRequest) => void): void {
  let buffered = Buffer.alloc(0);
  let head: Omit<RecordedRequest, 'body'> | null = null;
  let bodyStart = 0;
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    if (head === null) {
      const end = buffered.indexOf(HEAD_END);
      if (end < 0) {
        if (buffered.length > MAX_REQUEST_HEAD_BYTES) socket.destroy();
        return;
      }
      head = parseRequestHead(buffered.subarray(0, end).toString('latin1'));
      bodyStart = end + HEAD_END.length;
    }
    const bodyBytes = Number(head.headers['content-length'] ?? 0);
    if (buffered.length - bodyStart < bodyBytes) return;
    socket.off('data', onData);
    done({ ...head, body: buffered.subarray(bodyStart, bodyStart + bodyBytes).toString('utf8') });
  };
  socket.on('data', onData);
}

export async function startRawServer(handler: RawHandler, options: RawServerOptions = {}): Promise<TestServer> {
  const timers = new TimerSet();
  const requests: RecordedRequest[] = [];
  const onSocket = (socket: Socket): void => {
    socket.on('error', () => undefined);
    options.onAccept?.(socket, timers);
    if (socket.destroyed) return;
    readRequest(socket, (request) => {
      requests.push(request);
      handler(socket, request, timers);
    });
  };
  const server = options.tls === undefined ? createNetServer(onSocket) : createTlsServer(options.tls, onSocket);
  // TLS handshake failures (our clients rejecting the cert) must not crash the process.
  server.on('tlsClientError', () => undefined);
  const sockets = trackSockets(server);
  const host = options.host ?? LOOPBACK_V4;
  const port = await listen(server, host);
  const scheme = options.tls === undefined ? 'http' : 'https';
  return {
    host,
    port,
    url: `${scheme}://${hostForUrl(host)}:${port}/`,
    requests,
    close: closer(server, sockets, [() => timers.clear()]),
  };
}

/** A handler that writes `bytes` and then ends (FIN) or leaves the socket open. */
export function respondWith(bytes: string | Buffer, after: 'end' | 'keep-open' = 'end'): RawHandler {
  return (socket) => {
    if (after === 'end') socket.end(bytes);
    else socket.write(bytes);
  };
}
