import type { Connection, CheckContext } from '../net/connection-types.js';
import type { HopRequest, HopResponse, ResponseHeaders } from './exchange-types.js';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import { HTTPParser, type ParserPool } from './parser-pool.js';

/**
 * HTTP/1.1 over a connected socket, parsed by Node's own llhttp binding (see parser-pool.ts).
 * We use the binding directly rather than node:http's ClientRequest because the
 * request/agent/IncomingMessage machinery costs more per fresh-connection check than the
 * socket itself (docs/performance.md); the parser's behaviour (chunked, trailers, 1xx,
 * 204/304, conflicting framing, header overflow) is llhttp's, the same as node:http.
 */
export interface Http1Outcome {
  readonly response: HopResponse;
  /** true when the server agreed to keep the connection open (pooled mode only) */
  readonly reusable: boolean;
}

export function formatRequestHead(request: HopRequest, keepAlive: boolean): string {
  const url = request.url;
  let head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
  if (request.body !== null) head += `content-length: ${request.body.length}\r\n`;
  head += keepAlive ? 'connection: keep-alive\r\n\r\n' : 'connection: close\r\n\r\n';
  return head;
}

const NO_HEADERS: ResponseHeaders = Object.freeze({ contentEncoding: undefined, location: undefined, retryAfter: undefined });

function joined(prev: string | undefined, value: string): string {
  return prev === undefined ? value : `${prev}, ${value}`;
}

/** Picks the headers a check reads from llhttp's flat [name, value, …] list (names as sent). */
export function pickHeaders(raw: readonly string[]): ResponseHeaders {
  let contentEncoding: string | undefined;
  let location: string | undefined;
  let retryAfter: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    // Compare the length first: most names are skipped without a lower-cased copy.
    const length = name.length;
    if (length === 16 && name.toLowerCase() === 'content-encoding') contentEncoding = joined(contentEncoding, raw[i + 1] as string);
    else if (length === 8 && name.toLowerCase() === 'location') location = joined(location, raw[i + 1] as string);
    else if (length === 11 && name.toLowerCase() === 'retry-after') retryAfter = joined(retryAfter, raw[i + 1] as string);
  }
  if (contentEncoding === undefined && location === undefined && retryAfter === undefined) return NO_HEADERS;
  return { contentEncoding, location, retryAfter };
}

/** Called exactly once: a failure, or the outcome. */
export type Http1Done = (failure: CheckFailure | null, outcome: Http1Outcome | null) => void;

/**
 * Sends one request and reads one response, then calls `done` once. The caller owns the
 * socket: on success it is detached (listeners removed) and handed back reusable or not; on
 * failure it is destroyed. Callback-style, not a promise: on the fresh-connection hot path
 * every promise and await between the socket and the result is measurable (performance.md).
 */
export function exchangeHttp1(
  socket: Connection, request: HopRequest, ctx: CheckContext, keepAlive: boolean, parsers: ParserPool, done: Http1Done,
): void {
  const parser = parsers.alloc(request.limits.maxHeaderBytes);
  const maxBodyBytes = request.limits.maxBodyBytes;
  let settled = false;
  let executing = false;
  let rawHeaders: string[] = [];
  let statusCode = 0;
  let headers: ResponseHeaders | null = null;
  let shouldKeepAlive = false;
  const bodyChunks: Buffer[] = [];
  let rawBodyBytes = 0;

  const cleanup = (): void => {
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    socket.removeListener('close', onEnd);
    socket.removeListener('error', onError);
    ctx.onAbort(null);
    // Freeing the native parser from inside one of its own callbacks crashes the process:
    // while execute() runs, onData frees it once execute returns.
    if (!executing) parsers.release(parser);
  };
  const fail = (failure: CheckFailure): void => {
    if (settled) return;
    settled = true;
    cleanup();
    socket.destroy();
    done(failure, null);
  };
  const succeed = (truncated: boolean): void => {
    if (settled) return;
    settled = true;
    cleanup();
    ctx.timer.mark('bodyEnd');
    const response: HopResponse = {
      httpVersion: '1.1',
      statusCode,
      headers: headers ?? NO_HEADERS,
      bodyChunks,
      rawBodyBytes,
      bodyTruncated: truncated,
    };
    done(null, { response, reusable: keepAlive && shouldKeepAlive && !truncated });
  };

  parser[HTTPParser.kOnHeaders] = (partial: string[]) => {
    rawHeaders = rawHeaders.concat(partial);
  };
  parser[HTTPParser.kOnHeadersComplete] = (
    _major: number, _minor: number, raw: string[] | undefined, _method: unknown, _url: unknown,
    code: number, _reason: string, upgrade: boolean, keep: boolean,
  ): number => {
    const all = raw === undefined ? rawHeaders : rawHeaders.length === 0 ? raw : rawHeaders.concat(raw);
    rawHeaders = [];
    // Interim 1xx responses (100 Continue, 103 Early Hints) carry no body and are not the answer.
    if (code >= 100 && code < 200 && code !== 101) return 0;
    statusCode = code;
    ctx.statusCode = code;
    headers = pickHeaders(all);
    shouldKeepAlive = keep;
    ctx.timer.mark('headers');
    ctx.phase = 'receive';
    if (upgrade) return 2;
    return request.expectBody ? 0 : 1;
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
    if (settled) return;
    const room = maxBodyBytes - rawBodyBytes;
    if (chunk.length >= room) {
      if (room > 0) bodyChunks.push(chunk.subarray(0, room));
      rawBodyBytes += room;
      // The raw cap is reached: stop reading; the orchestrator decides whether it matters.
      succeed(true);
      return;
    }
    bodyChunks.push(chunk);
    rawBodyBytes += chunk.length;
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    if (headers !== null) succeed(false);
  };

  const parseError = (err: Error): CheckFailure => {
    const failure = classifyError(err, ctx.phase);
    return failure.kind === 'other' ? new CheckFailure('invalid_response', ctx.phase, failure.detail) : failure;
  };
  function onData(chunk: Buffer): void {
    executing = true;
    const ret = parser.execute(chunk);
    executing = false;
    if (ret instanceof Error && !settled) fail(parseError(ret));
    if (settled) parsers.release(parser);
  }
  function onEnd(): void {
    if (settled) return;
    // EOF ends a close-delimited body; finish() reports a message cut short.
    executing = true;
    const ret = parser.finish();
    executing = false;
    if (settled) {
      parsers.release(parser);
      return;
    }
    if (ret instanceof Error) return fail(parseError(ret));
    if (headers === null) {
      fail(new CheckFailure('no_response', ctx.phase, 'connection closed before response headers'));
    } else {
      fail(new CheckFailure('invalid_response', 'receive', `connection closed mid-body after ${rawBodyBytes} bytes`));
    }
  }
  function onError(err: Error): void {
    fail(classifyError(err, ctx.phase));
  }

  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', onError);
  ctx.onAbort(fail);

  ctx.phase = 'send';
  const head = request.http1Head ?? Buffer.from(formatRequestHead(request, keepAlive), 'latin1');
  const payload = request.body === null ? head : Buffer.concat([head, request.body]);
  let written = false;
  const markWritten = (): void => {
    if (written || settled) return;
    written = true;
    ctx.timer.mark('requestWritten');
    if (headers === null) ctx.phase = 'ttfb';
  };
  socket.write(payload, markWritten);
  // Small requests are usually flushed to the kernel synchronously; mark then, not a tick later.
  if (socket.writableLength === 0) markWritten();
}
