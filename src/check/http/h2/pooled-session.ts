import type { CheckContext } from '../../context/check-context.js';
import { CheckFailure } from '../../errors/check-failure.js';
import type { H2Session, SessionObserver } from '../../http2/session.js';
import { H2Failure, h2CodeName } from './h2-failure.js';

/**
 * Returns a session for the origin, over a connection the connector opened on behalf of
 * `ctx` (its timer gets the dns/connect/tls marks); must honour ctx.abort until it returns.
 */
export type SessionConnector = (ctx: CheckContext) => H2Session | Promise<H2Session>;

/**
 * A new session takes one stream (its opener's) until the peer's SETTINGS arrive: a server
 * with a low SETTINGS_MAX_CONCURRENT_STREAMS would refuse a burst sent before it said so.
 * A SETTINGS frame without the field means "no limit"; we then use 100, the floor RFC 9113
 * §6.5.2 recommends.
 */
const STREAMS_BEFORE_SETTINGS = 1;
const ASSUMED_PEER_MAX_STREAMS = 100;

export interface PooledSessionHooks {
  /** the session can take no new streams (GOAWAY, closed, idle, pool closing) */
  readonly onRetired: (entry: PooledSession) => void;
  /** more streams may now be started on it (peer raised its limit) */
  readonly onCapacity: () => void;
}

const closedBeforeSettings = (): CheckFailure => new CheckFailure('no_response', 'send', 'HTTP/2 connection closed before the server sent its SETTINGS');

/**
 * One pooled session's bookkeeping: streams in flight, the peer's stream limit, the idle
 * timer, and whether the process may exit while it is open (only when idle: `unref`).
 * It is the session's observer: one object per session, no listener per stream.
 */
export class PooledSession implements SessionObserver {
  session: H2Session | null = null;
  /** non-null while connecting or waiting for the peer's SETTINGS; rejects with the failure */
  ready: Promise<void> | null = null;
  active = 0;
  maxStreams: number;
  isUsable = true;
  /** the session's transport came up (TCP, and TLS if any): a later failure is past `connect` */
  isConnected = false;
  /** the check whose acquire opened this session (its result is not "reused") */
  creator: CheckContext | null;
  private idleTimer: NodeJS.Timeout | null = null;
  /** settles `ready` once the peer's SETTINGS arrive or the session dies first */
  private settle: ((err: unknown) => void) | null = null;

  constructor(
    private readonly hooks: PooledSessionHooks,
    creator: CheckContext,
    private readonly idleTimeoutMs: number,
    private readonly streamCap: number,
  ) {
    this.creator = creator;
    this.maxStreams = STREAMS_BEFORE_SETTINGS;
  }

  open(connect: SessionConnector, opener: CheckContext): void {
    const ready = this.establish(connect, opener);
    // Awaited by every check that leased this entry; this branch only marks it handled.
    ready.catch(() => undefined);
    this.ready = ready;
  }

  private async establish(connect: SessionConnector, opener: CheckContext): Promise<void> {
    try {
      const session = await connect(opener);
      this.adopt(session);
      await this.usable(session, opener);
      if (!this.isUsable) {
        // GOAWAY right after SETTINGS (a server restarting): nothing was sent, go elsewhere.
        const goaway = session.goaway;
        if (goaway !== null) throw new H2Failure('h2_goaway', 'send', `GOAWAY ${h2CodeName(goaway.code)} before the first stream`, true);
        throw closedBeforeSettings();
      }
      this.ready = null;
    } catch (err) {
      this.retire();
      throw err;
    }
  }

  private adopt(session: H2Session): void {
    this.session = session;
    this.isConnected = true;
    session.observer = this;
    if (this.active === 0) session.unref();
    if (!this.isUsable) session.close();
  }

  /**
   * Resolves once the peer's SETTINGS arrived. The connector has already returned, so the
   * opener's budget is watched here: a peer that never sends SETTINGS costs the opener its
   * budget and the session is destroyed.
   */
  private usable(session: H2Session, opener: CheckContext): Promise<void> {
    if (session.isClosed) return Promise.reject(closedBeforeSettings());
    if (session.hasRemoteSettings) return Promise.resolve();
    if (opener.aborted !== null) {
      session.destroy();
      return Promise.reject(opener.aborted);
    }
    // Connected: the wait for the server's SETTINGS is before the request is sent.
    opener.phase = 'send';
    return new Promise<void>((resolve, reject) => {
      this.settle = (err) => {
        this.settle = null;
        opener.onAbort(null);
        if (err === null) resolve();
        else reject(err);
      };
      opener.onAbort((failure) => {
        this.settle?.(failure);
        session.destroy();
      });
    });
  }

  /** false when the session died but the pool has not been told yet */
  isAlive(): boolean {
    const s = this.session;
    return this.isUsable && (s === null || s.canOpenStream() || (!s.isClosed && !s.hasRemoteSettings));
  }

  acquired(): void {
    if (this.active++ === 0) this.session?.ref();
  }

  released(): void {
    if (--this.active !== 0) return;
    if (!this.isUsable) {
      this.session?.close();
      return;
    }
    this.session?.unref();
    if (this.idleTimer === null) {
      this.idleTimer = setTimeout(this.onIdle, this.idleTimeoutMs);
      this.idleTimer.unref();
    } else this.idleTimer.refresh();
  }

  readonly retire = (): void => {
    if (!this.isUsable) return;
    this.isUsable = false;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.hooks.onRetired(this);
  };

  /** Retires the session and resolves once it is closed (in-flight streams may finish). */
  shutdown(): Promise<void> {
    this.retire();
    const session = this.session;
    if (session === null) return (this.ready ?? Promise.resolve()).then(() => this.shutdown(), () => undefined);
    if (session.isClosed) return Promise.resolve();
    return new Promise((resolve) => {
      this.onClosed = resolve;
      session.close();
      if (session.activeStreams === 0) session.destroy();
    });
  }

  private onClosed: (() => void) | null = null;

  private readonly onIdle = (): void => {
    if (this.active !== 0 || !this.isUsable) return;
    this.retire();
    this.session?.close();
  };

  // SessionObserver

  onRemoteSettings(session: H2Session): void {
    const peerMax = session.peerMaxConcurrentStreams === Infinity ? ASSUMED_PEER_MAX_STREAMS : session.peerMaxConcurrentStreams;
    const before = this.maxStreams;
    this.maxStreams = Math.max(1, Math.min(this.streamCap, peerMax));
    this.settle?.(null);
    if (this.maxStreams > before) this.hooks.onCapacity();
  }

  onGoaway(): void {
    this.retire();
  }

  onClose(session: H2Session): void {
    if (this.settle !== null) {
      // Lost before the peer's SETTINGS: no stream was opened, so nothing was sent.
      const by = session.closedBy;
      const cause = by === null ? null : by.error !== null ? by.error
        : by.cause === 'socket_closed' ? null : new CheckFailure('h2_protocol_error', 'send', `connection error ${by.detail}`);
      this.settle(cause ?? closedBeforeSettings());
    }
    this.retire();
    const onClosed = this.onClosed;
    this.onClosed = null;
    onClosed?.();
  }
}
