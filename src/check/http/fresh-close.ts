import type { CheckContext } from '../context/check-context.js';
import { Deadline, type DeadlineClock } from '../context/deadline-clock.js';
import type { FreshConnection } from '../net/connect.js';
import type { Connection } from '../net/connection-types.js';
import { RawTcpConnection, type RawTcpOwner } from '../net/raw-tcp.js';

/**
 * How a fresh HTTP/1.1 connection ends. We asked for `Connection: close`, so the server
 * closes first and TIME_WAIT lands on its side. The check waits for the server's FIN and
 * then closes — usually in the same loop turn as the response — or after CLOSE_GRACE_MS or
 * when the check's budget runs out, whichever is first (then we close it). Waiting inside
 * the check instead of closing in the background keeps every fresh connection inside its
 * check (the in-flight checks bound the open sockets), and it costs less per check than a
 * background close with a socket timeout (docs/performance.md). Both transports: a `net`
 * socket, or libuv's TCP handle (net/raw-tcp.ts).
 */

/** How long a finished fresh connection waits for the server's FIN (TIME_WAIT on its side). */
const CLOSE_GRACE_MS = 2_000;

/**
 * The connection closed now, or needs no wait (the FIN already came, or the budget already
 * ran out while the result was made: no abort will come): true, and it is closed. False:
 * still open and waiting is up to the caller (`waitForServerClose`).
 */
export function closedAtOnce(conn: FreshConnection, ctx: CheckContext): boolean {
  if (conn instanceof RawTcpConnection) {
    if (conn.isClosed) return true;
    if (!conn.isReadDone && ctx.aborted === null) return false;
    conn.close();
    return true;
  }
  if (conn.destroyed) return true;
  if (!conn.readableEnded && ctx.aborted === null) return false;
  conn.destroy();
  return true;
}

/** After `closedAtOnce` said false: calls `closed` once the connection is closed (never synchronously). */
export function waitForServerClose(conn: FreshConnection, ctx: CheckContext, clock: DeadlineClock, closed: () => void): void {
  const wait = conn instanceof RawTcpConnection ? new RawFinWait(conn, clock, closed) : new FinWait(conn, clock, closed);
  // The verdict is already made: running out of time now only ends the wait.
  if (ctx.remainingMs() > CLOSE_GRACE_MS) clock.arm(wait, CLOSE_GRACE_MS);
  wait.start(ctx);
}

/** `closedAtOnce` + `waitForServerClose` as a promise (undefined: closed at once). */
export function serverClose(conn: FreshConnection, ctx: CheckContext, clock: DeadlineClock): Promise<void> | undefined {
  if (closedAtOnce(conn, ctx)) return undefined;
  return new Promise<void>((resolve) => waitForServerClose(conn, ctx, clock, resolve));
}

const kFinWait = Symbol('vigil.http.finWait');
type FinWaitSocket = Connection & { [kFinWait]?: FinWait | null };

/** A `net` socket waiting for the server's FIN; on the clock, the CLOSE_GRACE_MS bound. */
class FinWait extends Deadline {
  constructor(
    private readonly socket: Connection,
    private readonly clock: DeadlineClock,
    private readonly resolve: () => void,
  ) {
    super();
  }

  start(ctx: CheckContext): void {
    const socket = this.socket;
    (socket as FinWaitSocket)[kFinWait] = this;
    socket.once('end', onFinWaitEnd);
    socket.once('close', onFinWaitClose);
    socket.on('error', destroySelf);
    ctx.onAbort(() => socket.destroy());
    socket.resume();
  }

  /** The server kept the connection open past the grace: close it ourselves. */
  expire(): void {
    this.socket.destroy();
  }

  closed(): void {
    this.clock.disarm(this);
    this.resolve();
  }
}

/**
 * The server's FIN: close now. Destroying closes the fd at once (the 'close' event follows a
 * loop turn later), and it skips the shutdown(2) Node would otherwise send before closing.
 */
function onFinWaitEnd(this: FinWaitSocket): void {
  const wait = this[kFinWait];
  this[kFinWait] = null;
  this.destroy();
  wait?.closed();
}

function onFinWaitClose(this: FinWaitSocket): void {
  const wait = this[kFinWait];
  this[kFinWait] = null;
  wait?.closed();
}

/**
 * What reads a raw connection once its response is complete: the FIN or a read error ends
 * it (`end`: close, once), bytes past the response are dropped. A Deadline, so an expiry on
 * the clients' clock can end it too.
 */
abstract class RawCloseWait extends Deadline implements RawTcpOwner {
  protected abstract end(): void;

  expire(): void {
    this.end();
  }

  rawEnd(): void {
    this.end();
  }

  rawError(): void {
    this.end();
  }

  rawData(): void {
    // Bytes after the response (a server that sends more than it framed) are dropped.
  }

  rawConnected(): void {
    // Long connected.
  }

  rawWritten(): void {
    // The request was written before the response came.
  }
}

/**
 * A connection on the raw handle waiting for the server's FIN: whatever ends the wait — the
 * FIN, a reset, the grace on the clock, the check's budget — closes it and calls back, once.
 */
class RawFinWait extends RawCloseWait {
  /** the check whose budget bounds the wait; null once it ended */
  private ctx: CheckContext | null = null;

  constructor(
    private readonly conn: RawTcpConnection,
    private readonly clock: DeadlineClock,
    private readonly closed: () => void,
  ) {
    super();
  }

  start(ctx: CheckContext): void {
    this.ctx = ctx;
    this.conn.owner = this;
    ctx.onAbort(this);
  }

  protected end(): void {
    const ctx = this.ctx;
    if (ctx === null) return;
    this.ctx = null;
    this.clock.disarm(this);
    ctx.onAbort(null);
    this.conn.close();
    this.closed();
  }

  checkAborted(): void {
    this.end();
  }
}

/**
 * A connection this check no longer waits for (an earlier redirect hop, or a check that
 * failed after its response): it closes in the background, the server first if it does so
 * within CLOSE_GRACE_MS (TIME_WAIT on its side), else we close it. It does not keep the
 * process alive.
 */
export function closeGracefully(conn: FreshConnection): void {
  if (conn instanceof RawTcpConnection) {
    rawCloseGracefully(conn);
    return;
  }
  if (conn.destroyed) return;
  if (conn.readableEnded) {
    conn.destroy();
    return;
  }
  conn.unref();
  conn.setTimeout(CLOSE_GRACE_MS, destroySelf);
  conn.on('error', destroySelf);
  conn.resume();
}

/** A shared listener ('timeout', 'error'): EventEmitter calls it with `this` = the socket. */
function destroySelf(this: Connection): void {
  this.destroy();
}

function rawCloseGracefully(conn: RawTcpConnection): void {
  if (conn.isClosed) return;
  if (conn.isReadDone) {
    conn.close();
    return;
  }
  conn.unref();
  const timer = setTimeout(() => conn.close(), CLOSE_GRACE_MS);
  timer.unref();
  conn.owner = new RawBackgroundClose(conn, timer);
}

/**
 * closeGracefully's reader on the raw handle: the FIN or an error closes at once; its own
 * unref'd timer (not the clients' clock, whose timers keep the process alive) bounds the wait.
 */
class RawBackgroundClose extends RawCloseWait {
  constructor(
    private readonly conn: RawTcpConnection,
    private readonly timer: NodeJS.Timeout,
  ) {
    super();
  }

  protected end(): void {
    clearTimeout(this.timer);
    this.conn.close();
  }
}
