import type { HopRequest } from '../exchange-types.js';
import type { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import type { RawTcpConnection, RawTcpOwner } from '../net/raw-tcp.js';
import { formatRequestHead, Http1Reader, type Http1Check, type Http1Done, type Http1Outcome } from './http1.js';
import type { ParserPool } from './parser-pool.js';

/**
 * The HTTP/1.1 exchange of a fresh plain connection on libuv's TCP handle (net/raw-tcp.ts):
 * the request written straight to the handle, each read handed to llhttp from the clients'
 * shared buffer. The same reader (Http1Reader) as over a `net` socket, so a response is
 * judged the same way whichever transport carried it.
 */
export function exchangeHttp1Raw(conn: RawTcpConnection, request: HopRequest, ctx: Http1Check, parsers: ParserPool, done: Http1Done): void {
  new RawHttp1Exchange(conn, request, ctx, parsers, done).start();
}

class RawHttp1Exchange extends Http1Reader implements RawTcpOwner {
  constructor(
    private readonly conn: RawTcpConnection,
    request: HopRequest,
    ctx: Http1Check,
    parsers: ParserPool,
    private readonly done: Http1Done,
  ) {
    super(request, ctx, false, parsers);
  }

  start(): void {
    const { conn, request, ctx } = this;
    conn.owner = this;
    ctx.onAbort(this);
    ctx.phase = 'send';
    // Started in the connect's own callback: no read can have come in between.
    if (conn.write(request.http1Head ?? formatRequestHead(request, false), request.body)) this.markWritten();
  }

  checkAborted(failure: CheckFailure): void {
    this.fail(failure);
  }

  rawConnected(): void {
    // Connected before this exchange took the connection over.
  }

  rawData(chunk: Buffer): void {
    this.onData(chunk);
  }

  rawEnd(): void {
    this.onEnd();
  }

  rawError(err: Error): void {
    this.fail(classifyError(err, this.ctx.phase));
  }

  rawWritten(): void {
    this.markWritten();
  }

  protected settled(failure: CheckFailure | null, outcome: Http1Outcome | null): void {
    const conn = this.conn;
    // Success: the connection stays open for the FIN wait; bytes until then are dropped.
    conn.owner = null;
    if (failure !== null) conn.close();
    this.done(failure, outcome);
  }
}
