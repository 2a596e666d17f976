import type { H2Session } from '../../http2/session.js';
import type { HopRequest, HopResponse } from '../../exchange-types.js';
import type { CheckContext } from '../../context/check-context.js';
import { CheckFailure } from '../../errors/check-failure.js';
import { classifyError } from '../../errors/classify.js';
import { startHttp2Exchange, type Http2ExchangeDone } from './exchange.js';
import { H2Failure } from './h2-failure.js';
import { PooledSession, type SessionConnector } from './pooled-session.js';
import { WaiterQueue, type Waiter } from './waiter-queue.js';
import { abortable } from '../../context/abortable.js';

export type { SessionConnector } from './pooled-session.js';

export interface H2SessionPoolOptions {
  /** sessions kept per origin; streams are spread over them (least busy first) */
  readonly sessionsPerOrigin: number;
  /** an idle session is closed after this long (default 30 s) */
  readonly idleTimeoutMs?: number;
  /** our own cap on concurrent streams per session, below the peer's limit (default: none) */
  readonly maxStreamsPerSession?: number;
}

/** Checks that provably never reached the server (GOAWAY above them) are retried this often. */
const MAX_UNSENT_RETRIES = 2;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/**
 * No cap of our own by default: the peer's SETTINGS_MAX_CONCURRENT_STREAMS bounds a session.
 * Measured with 50,000 checks started at once over 4 sessions, a 1000-stream cap made the
 * burst 1.5x slower (more queue churn, smaller frame batches) and saved only ~8% memory.
 */
const DEFAULT_MAX_STREAMS_PER_SESSION = Infinity;

interface OriginState {
  readonly sessions: PooledSession[];
  /** checks waiting for a stream slot, in arrival order */
  readonly waiters: WaiterQueue;
  isPumping: boolean;
}

/**
 * Pooled HTTP/2 (spec.connection === 'pooled'): up to `sessionsPerOrigin` sessions per
 * origin, each stream placed on the least busy live session. A new session is opened while
 * every existing one is busy and the origin is below its session count; when all are at
 * the peer's SETTINGS_MAX_CONCURRENT_STREAMS the check waits in a FIFO (the wait happens
 * before 'requestWritten', so it never inflates TTFB). A session that sends GOAWAY or dies
 * is dropped at once; streams it provably never processed are retried on another session.
 */
export class H2SessionPool {
  private readonly origins = new Map<string, OriginState>();
  private readonly sessionsPerOrigin: number;
  private readonly idleTimeoutMs: number;
  private readonly streamCap: number;
  private isClosed = false;

  constructor(options: H2SessionPoolOptions) {
    const { sessionsPerOrigin, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS, maxStreamsPerSession = DEFAULT_MAX_STREAMS_PER_SESSION } = options;
    if (!Number.isInteger(sessionsPerOrigin) || sessionsPerOrigin < 1) {
      throw new RangeError(`sessionsPerOrigin: expected an integer >= 1, got ${String(sessionsPerOrigin)}`);
    }
    if (!(idleTimeoutMs > 0)) throw new RangeError(`idleTimeoutMs: expected a positive number, got ${idleTimeoutMs}`);
    if (!(maxStreamsPerSession >= 1)) throw new RangeError(`maxStreamsPerSession: expected >= 1, got ${maxStreamsPerSession}`);
    this.sessionsPerOrigin = sessionsPerOrigin;
    this.idleTimeoutMs = idleTimeoutMs;
    this.streamCap = maxStreamsPerSession;
  }

  /**
   * Runs one request as a stream on a pooled session of `origin` (e.g. "http://127.0.0.1:8080").
   * `connect` is called only when a new session is needed, on behalf of this check.
   * `ctx.connectionReused` says whether the stream ran on a session this check did not open.
   */
  exchange(origin: string, connect: SessionConnector, request: HopRequest, ctx: CheckContext): Promise<HopResponse> {
    return new Promise<HopResponse>((resolve, reject) => {
      new PromisedExchange(this, origin, connect, request, ctx, resolve, reject).attempt();
    });
  }

  /** Sessions and streams per origin, for tests and diagnostics. */
  stats(origin: string): { sessions: number; activeStreams: number; waiting: number } {
    const state = this.origins.get(origin);
    if (state === undefined) return { sessions: 0, activeStreams: 0, waiting: 0 };
    const activeStreams = state.sessions.reduce((n, s) => n + s.active, 0);
    return { sessions: state.sessions.length, activeStreams, waiting: state.waiters.size };
  }

  /** Closes every session (streams in flight may finish) and fails checks still waiting. */
  async close(): Promise<void> {
    this.isClosed = true;
    const closing: Promise<void>[] = [];
    for (const state of this.origins.values()) {
      state.waiters.failAll(new CheckFailure('internal', null, 'HTTP/2 session pool closed'));
      for (const entry of state.sessions.slice()) closing.push(entry.shutdown());
    }
    await Promise.all(closing);
    this.origins.clear();
  }

  /** @internal (PooledExchange) the check's own session (false) or one opened before it (true) */
  claim(entry: PooledSession, ctx: CheckContext): boolean {
    if (entry.creator !== ctx) return true;
    entry.creator = null;
    return false;
  }

  /** @internal (PooledExchange) a session with a stream slot reserved, or a promise of one */
  lease(origin: string, connect: SessionConnector, ctx: CheckContext): PooledSession | Promise<PooledSession> {
    if (this.isClosed) return Promise.reject(new CheckFailure('internal', null, 'HTTP/2 session pool closed'));
    if (ctx.aborted !== null) return Promise.reject(ctx.aborted);
    const state = this.stateOf(origin);
    const entry = state.waiters.peek() === undefined ? this.take(state, origin, connect, ctx) : null;
    if (entry === null) return this.enqueue(state, connect, ctx);
    return entry.ready === null ? entry : this.whenReady(entry, origin, connect, ctx);
  }

  /** Picks the least busy live session with a free slot, or opens one; reserves the slot. */
  private take(state: OriginState, origin: string, connect: SessionConnector, ctx: CheckContext): PooledSession | null {
    let best: PooledSession | null = null;
    for (const entry of state.sessions) {
      // A session that died this tick is skipped, not retired here: its 'close' (next tick)
      // retires it, so take() never re-enters pump() through onRetired.
      if (entry.active < entry.maxStreams && (best === null || entry.active < best.active) && entry.isAlive()) best = entry;
    }
    if ((best === null || best.active > 0) && state.sessions.length < this.sessionsPerOrigin) {
      best = this.open(state, origin, connect, ctx);
    }
    best?.acquired();
    return best;
  }

  private open(state: OriginState, origin: string, connect: SessionConnector, ctx: CheckContext): PooledSession {
    const entry: PooledSession = new PooledSession(
      {
        onRetired: (gone) => this.onRetired(origin, state, gone),
        onCapacity: () => this.pump(state, origin),
      },
      ctx,
      this.idleTimeoutMs,
      this.streamCap,
    );
    state.sessions.push(entry);
    entry.open(connect, ctx);
    return entry;
  }

  /**
   * Waits for a connecting session. The check that opened it fails with the connect failure;
   * another check waiting on it does too, unless the failure was only the opener's own
   * budget running out — then it tries again with its own connector.
   */
  private async whenReady(entry: PooledSession, origin: string, connect: SessionConnector, ctx: CheckContext): Promise<PooledSession> {
    const opener = entry.creator;
    if (opener !== ctx) ctx.phase = 'connect';
    try {
      await (opener === ctx ? entry.ready : abortable(ctx, entry.ready as Promise<void>));
      return entry;
    } catch (err) {
      this.release(origin, entry);
      // A raw error here came after the connector returned (TCP/TLS up, waiting for the
      // server's SETTINGS): no stream was opened yet, so the request was not sent.
      const failure = classifyError(err, entry.isConnected ? 'send' : 'connect');
      const isOpenerTimeout = opener !== null && opener !== ctx && opener.aborted === err;
      if (isOpenerTimeout && ctx.aborted === null) return this.lease(origin, connect, ctx);
      throw failure;
    }
  }

  private enqueue(state: OriginState, connect: SessionConnector, ctx: CheckContext): Promise<PooledSession> {
    ctx.phase = 'send';
    return new Promise<PooledSession>((resolve, reject) => {
      const waiter: Waiter = { connect, ctx, resolve, reject, isCancelled: false };
      state.waiters.push(waiter);
      ctx.onAbort((failure) => {
        waiter.isCancelled = true;
        reject(failure);
      });
    });
  }

  /** @internal (PooledExchange) gives the stream slot back and serves the next waiter */
  release(origin: string, entry: PooledSession): void {
    entry.released();
    const state = this.origins.get(origin);
    if (state !== undefined && state.waiters.size > 0) this.pump(state, origin);
  }

  /** Hands free slots to waiting checks in arrival order. */
  private pump(state: OriginState, origin: string): void {
    // A connector that throws synchronously retires its session inside take(); the outer
    // loop must stay the only one taking waiters off the queue.
    if (state.isPumping) return;
    state.isPumping = true;
    try {
      this.drain(state, origin);
    } finally {
      state.isPumping = false;
    }
  }

  private drain(state: OriginState, origin: string): void {
    for (let waiter = state.waiters.peek(); waiter !== undefined; waiter = state.waiters.peek()) {
      const entry = this.take(state, origin, waiter.connect, waiter.ctx);
      if (entry === null) return;
      state.waiters.shift();
      waiter.ctx.onAbort(null);
      waiter.resolve(entry.ready === null ? entry : this.whenReady(entry, origin, waiter.connect, waiter.ctx));
    }
  }

  private onRetired(origin: string, state: OriginState, gone: PooledSession): void {
    const index = state.sessions.indexOf(gone);
    if (index >= 0) state.sessions.splice(index, 1);
    if (this.isClosed) return;
    // Waiting checks may now open a replacement session.
    if (state.waiters.size > 0) this.pump(state, origin);
    if (state.sessions.length === 0 && state.waiters.size === 0 && this.origins.get(origin) === state) {
      this.origins.delete(origin);
    }
  }

  private stateOf(origin: string): OriginState {
    let state = this.origins.get(origin);
    if (state === undefined) {
      state = { sessions: [], waiters: new WaiterQueue(), isPumping: false };
      this.origins.set(origin, state);
    }
    return state;
  }
}

/**
 * One pooled request: lease a session, run the stream, release the slot, and go again on
 * another session (at most MAX_UNSENT_RETRIES times) when the stream provably never reached
 * the server (GOAWAY above it, or the session died before it was sent). Told once through
 * `pooled`: null and the response, or the failure (a CheckFailure, or the connector's error
 * as it was thrown). A check extends it (http-check.ts), so the check and its pooled
 * exchange are one object while it is in flight, not two; `attempt()` starts it. With a
 * ready session free (the steady state) the stream starts synchronously and no promise is made.
 */
export abstract class PooledExchange implements Http2ExchangeDone {
  private entry: PooledSession | null = null;
  private retries = 0;

  constructor(
    private readonly pool: H2SessionPool,
    private readonly origin: string,
    private readonly connect: SessionConnector,
    private readonly request: HopRequest,
    protected readonly ctx: CheckContext,
  ) {}

  /** How the exchange ended, exactly once: `err` null with the response, else the failure. */
  abstract pooled(err: unknown, response: HopResponse | null): void;

  attempt(): void {
    let leased: PooledSession | Promise<PooledSession>;
    try {
      leased = this.pool.lease(this.origin, this.connect, this.ctx);
    } catch (err) {
      return this.pooled(err, null);
    }
    if (leased instanceof PooledSession) return this.leased(leased);
    leased.then(
      (entry) => this.leased(entry),
      (err: unknown) => this.retryOrDone(err, null),
    );
  }

  private leased(entry: PooledSession): void {
    this.entry = entry;
    this.ctx.connectionReused = this.pool.claim(entry, this.ctx);
    startHttp2Exchange(entry.session as H2Session, this.request, this.ctx, this);
  }

  /** @internal (the stream's exchange ended) */
  exchanged(failure: CheckFailure | null, response: HopResponse | null): void {
    this.pool.release(this.origin, this.entry as PooledSession);
    this.entry = null;
    this.retryOrDone(failure, response);
  }

  private retryOrDone(failure: unknown, response: HopResponse | null): void {
    const isRetryable = failure instanceof H2Failure && failure.unsent && this.ctx.aborted === null;
    if (isRetryable && this.retries < MAX_UNSENT_RETRIES) {
      this.retries++;
      return this.attempt();
    }
    this.pooled(failure, response);
  }
}

/** `H2SessionPool.exchange`: the pooled exchange settling a promise. */
class PromisedExchange extends PooledExchange {
  constructor(
    pool: H2SessionPool,
    origin: string,
    connect: SessionConnector,
    request: HopRequest,
    ctx: CheckContext,
    private readonly resolve: (response: HopResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    super(pool, origin, connect, request, ctx);
  }

  pooled(err: unknown, response: HopResponse | null): void {
    if (err === null) this.resolve(response as HopResponse);
    else this.reject(err);
  }
}
