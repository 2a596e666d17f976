import type { OnReadOpts } from 'node:net';
import type { ErrorPhase } from '../../domain/error-kind.js';
import type { Connection } from '../net/connection-types.js';
import { NO_RESPONSE_HEADERS, type HopRequest, type HopResponse, type ResponseHeaders } from '../exchange-types.js';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import type { NativeParser, ParserOwner, ParserPool } from './parser-pool.js';

/**
 * HTTP/1.1 over a connected socket, parsed by Node's own llhttp binding (see parser-pool.ts).
 * We use the binding directly rather than node:http's ClientRequest because the
 * request/agent/IncomingMessage machinery costs more per fresh-connection check than the
 * socket itself (docs/performance.md); the parser's behaviour (chunked, trailers, 1xx,
 * 204/304, conflicting framing, header overflow) is llhttp's, the same as node:http.
 */
/**
 * What the engine needs of the check it serves: the phase it is in (it classifies failures
 * by it and moves it on), the marks of the exchange's events, the status code once the head
 * arrived, and the hook its budget aborts through. The check's CheckContext is one; the
 * engine imports nothing of the check layer.
 */
export interface Http1Check {
  phase: ErrorPhase;
  statusCode: number | null;
  readonly timer: { mark(name: 'requestWritten' | 'headers' | 'bodyEnd'): void };
  onAbort(handler: ((failure: CheckFailure) => void) | { checkAborted(failure: CheckFailure): void } | null): void;
}

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


function joined(prev: string | undefined, value: string): string {
  return prev === undefined ? value : `${prev}, ${value}`;
}

/** Picks the headers a check reads from llhttp's flat [name, value, …] list (names as sent). */
function pickHeaders(raw: readonly string[], keepRaw: boolean): ResponseHeaders {
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
  if (keepRaw) return { contentEncoding, location, retryAfter, raw };
  if (contentEncoding === undefined && location === undefined && retryAfter === undefined) return NO_RESPONSE_HEADERS;
  return { contentEncoding, location, retryAfter };
}

/** Called exactly once: a failure, or the outcome. */
export type Http1Done = (failure: CheckFailure | null, outcome: Http1Outcome | null) => void;

// Socket listeners are shared functions (EventEmitter calls them with `this` = the socket)
// that reach the exchange through one symbol-keyed property: one object per exchange
// instead of a dozen closures on the fresh-connection hot path.
const kExchange = Symbol('vigil.http1.exchange');
type TaggedSocket = Connection & { [kExchange]?: Http1Exchange | null };

function onSocketData(this: TaggedSocket, chunk: Buffer): void {
  this[kExchange]?.onData(chunk);
}
/**
 * A fresh plain connection made for HTTP/1.1 reads into one buffer the clients own (`net`'s
 * `onread`): no 64 KiB allocation, Buffer object and readable-stream push per read. The
 * buffer is reused by the next read, which is safe because llhttp copies what it hands on
 * (header strings, body chunks) before execute() returns. Bytes that arrive while no exchange
 * is attached (after the response, before the FIN) are dropped, as the stream path drops them.
 */
export function http1DirectReads(): OnReadOpts {
  return { buffer: Buffer.allocUnsafe(DIRECT_READ_BYTES), callback: onSocketRead };
}

const DIRECT_READ_BYTES = 64 * 1024;

function onSocketRead(this: TaggedSocket, bytes: number, buffer: Uint8Array): boolean {
  this[kExchange]?.onData((buffer as Buffer).subarray(0, bytes));
  return true;
}
function onSocketEnd(this: TaggedSocket): void {
  this[kExchange]?.onEnd();
}
function onSocketError(this: TaggedSocket, err: Error): void {
  this[kExchange]?.fail(classifyError(err, this[kExchange].ctx.phase));
}

/**
 * Sends one request and reads one response, then calls `done` once. The caller owns the
 * socket: on success it is detached (listeners removed) and handed back reusable or not; on
 * failure it is destroyed. Callback-style, not a promise: on the fresh-connection hot path
 * every promise and await between the socket and the result is measurable (performance.md).
 */
export function exchangeHttp1(
  socket: Connection, request: HopRequest, ctx: Http1Check, keepAlive: boolean, parsers: ParserPool, done: Http1Done,
  readsDirect = false,
): void {
  new Http1Exchange(socket as TaggedSocket, request, ctx, keepAlive, parsers, done).start(readsDirect);
}

/**
 * One response read by llhttp, whatever carries the bytes: the parser's events, the head's
 * picked headers, the body up to the read cap, EOF. Settles once, through `settled`; the
 * transport subclass feeds it (`onData`, `onEnd`) and owns the connection.
 */
export abstract class Http1Reader implements ParserOwner {
  private parser: NativeParser | null;
  protected isSettled = false;
  /** true while llhttp's execute/finish runs: the parser must not be freed inside it */
  private isExecuting = false;
  private isWritten = false;
  private rawHeaders: string[] = [];
  private statusCode = 0;
  private headers: ResponseHeaders | null = null;
  private shouldKeepAlive = false;
  private readonly bodyChunks: Buffer[] = [];
  private rawBodyBytes = 0;

  constructor(
    protected readonly request: HopRequest,
    readonly ctx: Http1Check,
    protected readonly keepAlive: boolean,
    private readonly parsers: ParserPool,
  ) {
    this.parser = parsers.alloc(request.limits.maxHeaderBytes, this);
  }

  /** Called once, the reader already settled: undo the transport's hooks, then tell the caller. */
  protected abstract settled(failure: CheckFailure | null, outcome: Http1Outcome | null): void;

  /** The request left for the kernel. */
  protected markWritten(): void {
    if (this.isWritten || this.isSettled) return;
    this.isWritten = true;
    this.ctx.timer.mark('requestWritten');
    if (this.headers === null) this.ctx.phase = 'ttfb';
  }

  onHeaders(partial: string[]): void {
    this.rawHeaders = this.rawHeaders.concat(partial);
  }

  onHeadersComplete(raw: string[] | undefined, code: number, upgrade: boolean, shouldKeepAlive: boolean): number {
    const pending = this.rawHeaders;
    const all = raw === undefined ? pending : pending.length === 0 ? raw : pending.concat(raw);
    this.rawHeaders = [];
    // Interim 1xx responses (100 Continue, 103 Early Hints) carry no body and are not the answer.
    if (code >= 100 && code < 200 && code !== 101) return 0;
    const ctx = this.ctx;
    this.statusCode = code;
    ctx.statusCode = code;
    this.headers = pickHeaders(all, this.request.keepHeaders != null);
    this.shouldKeepAlive = shouldKeepAlive;
    ctx.timer.mark('headers');
    ctx.phase = 'receive';
    if (upgrade) return 2;
    return this.request.expectBody ? 0 : 1;
  }

  onBody(chunk: Buffer): void {
    if (this.isSettled) return;
    const room = this.request.limits.maxBodyBytes - this.rawBodyBytes;
    if (chunk.length >= room) {
      if (room > 0) this.bodyChunks.push(chunk.subarray(0, room));
      this.rawBodyBytes += room;
      // The raw cap is reached: stop reading; the orchestrator decides whether it matters.
      this.succeed(true);
      return;
    }
    this.bodyChunks.push(chunk);
    this.rawBodyBytes += chunk.length;
  }

  onMessageComplete(): void {
    if (this.headers !== null) this.succeed(false);
  }

  onData(chunk: Buffer): void {
    const parser = this.parser;
    if (parser === null) return;
    this.isExecuting = true;
    const ret = parser.execute(chunk);
    this.isExecuting = false;
    if (ret instanceof Error && !this.isSettled) this.fail(this.parseError(ret));
    if (this.isSettled) this.releaseParser();
  }

  onEnd(): void {
    const parser = this.parser;
    if (this.isSettled || parser === null) return;
    // EOF ends a close-delimited body; finish() reports a message cut short.
    this.isExecuting = true;
    const ret = parser.finish();
    this.isExecuting = false;
    if (this.isSettled) return this.releaseParser();
    if (ret instanceof Error) return this.fail(this.parseError(ret));
    if (this.headers === null) {
      this.fail(new CheckFailure('no_response', this.ctx.phase, 'connection closed before response headers'));
    } else {
      this.fail(new CheckFailure('invalid_response', 'receive', `connection closed mid-body after ${this.rawBodyBytes} bytes`));
    }
  }

  fail(failure: CheckFailure): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.detachParser();
    this.settled(failure, null);
  }

  private succeed(isTruncated: boolean): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.detachParser();
    this.ctx.timer.mark('bodyEnd');
    const response: HopResponse = {
      httpVersion: '1.1',
      statusCode: this.statusCode,
      headers: this.headers ?? NO_RESPONSE_HEADERS,
      bodyChunks: this.bodyChunks,
      rawBodyBytes: this.rawBodyBytes,
      bodyTruncated: isTruncated,
    };
    this.settled(null, { response, reusable: this.keepAlive && this.shouldKeepAlive && !isTruncated });
  }

  private detachParser(): void {
    this.ctx.onAbort(null);
    // Freeing the native parser from inside one of its own callbacks crashes the process:
    // while execute() runs, onData frees it once execute returns.
    if (!this.isExecuting) this.releaseParser();
  }

  private releaseParser(): void {
    const parser = this.parser;
    if (parser === null) return;
    this.parser = null;
    this.parsers.release(parser);
  }

  private parseError(err: Error): CheckFailure {
    const failure = classifyError(err, this.ctx.phase);
    return failure.kind === 'other' ? new CheckFailure('invalid_response', this.ctx.phase, failure.detail) : failure;
  }
}

/** The reader over a `net` socket (plain or TLS, fresh or pooled). */
class Http1Exchange extends Http1Reader {
  constructor(
    private readonly socket: TaggedSocket,
    request: HopRequest,
    ctx: Http1Check,
    keepAlive: boolean,
    parsers: ParserPool,
    private readonly done: Http1Done,
  ) {
    super(request, ctx, keepAlive, parsers);
  }

  /** `readsDirect`: the socket was made with `http1DirectReads` (no 'data' events; listening would only resume a stream that is never fed) */
  start(readsDirect: boolean): void {
    const { socket, request, ctx } = this;
    socket[kExchange] = this;
    if (!readsDirect) socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('close', onSocketEnd);
    socket.on('error', onSocketError);
    ctx.onAbort((failure) => this.fail(failure));

    ctx.phase = 'send';
    const head = request.http1Head ?? formatRequestHead(request, this.keepAlive);
    // A write that failed (the peer reset mid-body) calls back with its error: still in send.
    const onWritten = (err?: Error | null): void => {
      if (err == null) this.markWritten();
    };
    if (request.body === null) socket.write(head, 'latin1', onWritten);
    else socket.write(Buffer.concat([Buffer.from(head, 'latin1'), request.body]), onWritten);
    // Small requests are usually flushed to the kernel synchronously; mark then, not a tick later.
    if (socket.writableLength === 0) this.markWritten();
  }

  protected settled(failure: CheckFailure | null, outcome: Http1Outcome | null): void {
    const socket = this.socket;
    socket[kExchange] = null;
    socket.removeListener('data', onSocketData);
    socket.removeListener('end', onSocketEnd);
    socket.removeListener('close', onSocketEnd);
    socket.removeListener('error', onSocketError);
    if (failure !== null) socket.destroy();
    this.done(failure, outcome);
  }
}
