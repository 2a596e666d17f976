import { createServer as createNetServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { listen, LOOPBACK_V4, type TestServer } from './test-server.js';
import { respondWith, startRawServer } from './raw-server.js';

/**
 * Misbehaving HTTP/1.1 servers on bare sockets. Each answers every request the same way.
 * The exact bytes are part of the contract: tests assert how the client copes with them.
 */

/** A port nothing listens on: bind to get a free port, then close it. */
export async function startRefusedPort(): Promise<TestServer> {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { host: LOOPBACK_V4, port, url: `http://${LOOPBACK_V4}:${port}/`, requests: [], close: async () => undefined };
}

/** Reads the request, then resets the connection (RST, not FIN). */
export function startResetAfterRequest(): Promise<TestServer> {
  return startRawServer((socket) => socket.resetAndDestroy());
}

/** Resets the connection as soon as it is accepted, before any request byte is read. */
export function startResetOnAccept(): Promise<TestServer> {
  return startRawServer(() => undefined, { onAccept: (socket) => socket.resetAndDestroy() });
}

/** Reads the request, then closes cleanly (FIN) without a byte of response. */
export function startCloseBeforeHeaders(): Promise<TestServer> {
  return startRawServer((socket) => socket.end());
}

/** Reads the request and never answers (the socket stays open until the server closes). */
export function startSilent(): Promise<TestServer> {
  return startRawServer(() => undefined);
}

/** Sends a complete 200 response only after `delayMs`. */
export function startSlowHeaders(delayMs: number, body = 'ok'): Promise<TestServer> {
  return startRawServer((socket, _request, timers) => {
    timers.after(delayMs, () => socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`));
  });
}

/** Sends headers and the first half of the body at once, the rest after `delayMs`. */
export function startSlowBody(delayMs: number, body = 'slow body payload'): Promise<TestServer> {
  const half = Math.floor(body.length / 2);
  return startRawServer((socket, _request, timers) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`);
    timers.after(delayMs, () => socket.end(body.slice(half)));
  });
}

/** A 200 whose header block is `headerBytes` long (default 80 KiB, over the 64 KiB limit). */
export function startHugeHeaders(headerBytes = 80 * 1024): Promise<TestServer> {
  const line = `X-Filler: ${'a'.repeat(1000)}\r\n`;
  const count = Math.ceil(headerBytes / line.length);
  const head = `HTTP/1.1 200 OK\r\n${line.repeat(count)}Content-Length: 2\r\nConnection: close\r\n\r\nok`;
  return startRawServer(respondWith(head));
}

/** A body of `bodyBytes` (default 2 MiB, over the 1 MiB cap); `keyword` is at its very start. */
export function startOversizedBody(bodyBytes = 2 * 1024 * 1024, keyword = 'needle'): Promise<TestServer> {
  const body = Buffer.alloc(bodyBytes, 'x');
  body.write(keyword, 0, 'latin1');
  return startRawServer((socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${bodyBytes}\r\nConnection: close\r\n\r\n`);
    socket.end(body);
  });
}

/**
 * A small gzip body that inflates to `decodedBytes` (default 16 MiB of zeros, over the 8 MiB
 * decoded cap; about 16 KiB on the wire, well under the raw cap). The keyword starts the body.
 */
export function startGzipBomb(decodedBytes = 16 * 1024 * 1024, keyword = 'needle'): Promise<TestServer> {
  const plain = Buffer.alloc(decodedBytes, 0);
  plain.write(keyword, 0, 'latin1');
  const gz = gzipSync(plain, { level: 9 });
  return startRawServer((socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\nConnection: close\r\n\r\n`);
    socket.end(gz);
  });
}

/** A status line that is not HTTP. */
export function startMalformedStatusLine(line = 'HTTP/1.1 OK-ISH maybe\r\n'): Promise<TestServer> {
  return startRawServer(respondWith(`${line}Content-Length: 2\r\n\r\nok`));
}

/** Plain garbage instead of a response. */
export function startGarbageResponse(): Promise<TestServer> {
  return startRawServer(respondWith('SSH-2.0-OpenSSH_9.6\r\n'));
}

/** Both Content-Length and Transfer-Encoding: chunked (the chunked body is "hello"). */
export function startConflictingLength(): Promise<TestServer> {
  return startRawServer(
    respondWith('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
  );
}

/** Bare LF line endings throughout; body "lf only". */
export function startLfOnly(): Promise<TestServer> {
  return startRawServer(respondWith('HTTP/1.1 200 OK\nContent-Length: 7\nConnection: close\n\nlf only'));
}

/** Chunked with chunk extensions and a trailer; the body is "hello world" (11 bytes). */
export function startChunkedWithTrailers(): Promise<TestServer> {
  return startRawServer(
    respondWith(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n' +
        '5;ext=1\r\nhello\r\n6;name="quoted value"\r\n world\r\n0\r\nX-Checksum: abc123\r\n\r\n',
      'keep-open',
    ),
  );
}

/** No Content-Length, no chunking: the body ends when the server closes. Body "until close". */
export function startCloseDelimited(): Promise<TestServer> {
  return startRawServer((socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ');
    setImmediate(() => socket.end('close'));
  });
}

/** 100 Continue and 103 Early Hints before the final 200 "final". */
export function startInterimResponses(): Promise<TestServer> {
  return startRawServer(
    respondWith(
      'HTTP/1.1 100 Continue\r\n\r\n' +
        'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal',
      'keep-open',
    ),
  );
}

/**
 * A bodiless status (204 or 304) that still claims `Content-Length: 100` and keeps the
 * connection open: a client that waits for that body hangs until its budget runs out.
 */
export function startNoBodyStatus(statusCode: 204 | 304): Promise<TestServer> {
  const reason = statusCode === 204 ? 'No Content' : 'Not Modified';
  return startRawServer(respondWith(`HTTP/1.1 ${statusCode} ${reason}\r\nContent-Length: 100\r\n\r\n`, 'keep-open'));
}

/**
 * Answers HEAD with headers only (Content-Length: 1000, as for GET) and keeps the
 * connection open; answers anything else with the 1000-byte body.
 */
export function startHeadAware(): Promise<TestServer> {
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n';
  return startRawServer((socket, request) => {
    if (request.method === 'HEAD') socket.write(head);
    else socket.end(head + 'b'.repeat(1000));
  });
}

/** Promises 100 body bytes, sends 10, then closes (FIN): a body cut short. */
export function startTruncatedBody(): Promise<TestServer> {
  return startRawServer(respondWith('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789'));
}

/** Answers 200 "ok" and sends its FIN only `delayMs` later (a slow close after `Connection: close`). */
export function startLateClose(delayMs: number): Promise<TestServer> {
  return startRawServer((socket, _request, timers) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    timers.after(delayMs, () => socket.end());
  });
}

/** Answers 200 "ok" and keeps the connection open although the client asked to close it. */
export function startIgnoresClose(): Promise<TestServer> {
  return startRawServer(respondWith('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'keep-open'));
}
