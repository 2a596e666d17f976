import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { closer, hostForUrl, listen, LOOPBACK_V4, TimerSet, trackSockets, type RecordedRequest, type TestServer } from './test-server.js';
import type { FixtureCert } from '../certs.js';

/**
 * A well-behaved node:http(s) server with a handler; used where the misbehaviour is in what
 * is said (status, redirect, encoding), not in how the bytes are framed. Every request is
 * recorded with its body before the handler runs.
 */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, request: RecordedRequest, timers: TimerSet) => void;

export interface HttpServerOptions {
  /** serve HTTPS with this fixture certificate */
  readonly cert?: FixtureCert;
  readonly host?: string;
}

function record(req: IncomingMessage, body: string): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { method: req.method ?? '', path: req.url ?? '', headers, body };
}

export async function startHttpServer(handler: HttpHandler, options: HttpServerOptions = {}): Promise<TestServer> {
  const timers = new TimerSet();
  const requests: RecordedRequest[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = record(req, Buffer.concat(chunks).toString('utf8'));
      requests.push(request);
      handler(req, res, request, timers);
    });
  };
  const server =
    options.cert === undefined
      ? createHttpServer(onRequest)
      : createHttpsServer({ key: options.cert.key, cert: options.cert.cert }, onRequest);
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_err, socket) => socket.destroy());
  const sockets = trackSockets(server);
  const host = options.host ?? LOOPBACK_V4;
  const port = await listen(server, host);
  // IP-literal URLs even for TLS (the fixtures carry IP SANs): a name would need a resolver.
  const url = `${options.cert === undefined ? 'http' : 'https'}://${hostForUrl(host)}:${port}/`;
  return { host, port, url, requests, close: closer(server, sockets, [() => timers.clear()]) };
}

/** Sends a complete response. */
export function reply(res: ServerResponse, statusCode: number, body: string | Buffer = '', headers: Record<string, string> = {}): void {
  res.writeHead(statusCode, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}
