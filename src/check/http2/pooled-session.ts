import type { ClientHttp2Session, Settings } from 'node:http2';
import type { CheckContext } from '../net/connection-types.js';
import { CheckFailure } from '../errors/check-failure.js';
import { hasRemoteSettings, watchSession } from './h2-failure.js';

/**
 * Returns a session for the origin; may be still connecting. Called with the check on whose
 * behalf the session opens (its timer gets the dns/connect/tls marks); must honour ctx.abort.
 */
export type SessionConnector = (ctx: CheckContext) => ClientHttp2Session | Promise<ClientHttp2Session>;

/**
 * A new session takes one stream (its opener's) until the peer's SETTINGS arrive: nghttp2
 * would otherwise send up to Node's assumed 100 streams, and a server with a lower
 * SETTINGS_MAX_CONCURRENT_STREAMS refuses the excess. A SETTINGS frame without the field
 * means "no limit"; we then use 100, the floor RFC 9113 §6.5.2 recommends.
 */
const STREAMS_BEFORE_SETTINGS = 1;
export const ASSUMED_PEER_MAX_STREAMS = 100;

export interface PooledSessionHooks {
  /** the session can take no new streams (GOAWAY, closed, idle, pool closing) */
  readonly onRetired: (entry: PooledSession) => void;
  /** more streams may now be started on it (peer raised its limit) */
  readonly onCapacity: () => void;
}

/**
 * One pooled session's bookkeeping: streams in flight, the peer's stream limit, the idle
 * timer, and whether the process may exit while it is open (only when idle: `unref`).
 * Listeners are installed once per session, never per stream.
 */
export class PooledSession {
  session: ClientHttp2Session | null = null;
  /** non-null while connecting; rejects with the connect failure */
  ready: Promise<void> | null = null;
  active = 0;
  maxStreams: number;
  isUsable = true;
  /** the session's transport came up (TCP, and TLS if any): a later failure is past `connect` */
  isConnected = false;
  /** the check whose acquire opened this session (its result is not "reused") */
  creator: CheckContext | null;
  private idleTimer: NodeJS.Timeout | null = null;

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
      await usable(session, opener);
      if (!this.isUsable) throw new CheckFailure('no_response', 'send', 'HTTP/2 connection closed before the server sent its SETTINGS');
      this.ready = null;
    } catch (err) {
      this.retire();
      throw err;
    }
  }

  private adopt(session: ClientHttp2Session): void {
    this.session = session;
    watchSession(session);
    session.on('goaway', this.retire);
    session.on('close', this.retire);
    session.on('remoteSettings', this.onSettings);
    if (session.connecting) session.once('connect', this.onConnect);
    else this.isConnected = true;
    if (this.active === 0) session.unref();
    if (!this.isUsable) session.close();
  }

  /** false when the session died but its 'close' has not been emitted yet */
  isAlive(): boolean {
    const s = this.session;
    return this.isUsable && (s === null || !(s.closed || s.destroyed));
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
    if (session.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      session.once('close', resolve);
      session.close();
    });
  }

  private readonly onConnect = (): void => {
    this.isConnected = true;
  };

  private readonly onIdle = (): void => {
    if (this.active !== 0 || !this.isUsable) return;
    this.retire();
    this.session?.close();
  };

  private readonly onSettings = (settings: Settings): void => {
    const peerMax = settings.maxConcurrentStreams ?? ASSUMED_PEER_MAX_STREAMS;
    const before = this.maxStreams;
    this.maxStreams = Math.max(1, Math.min(this.streamCap, peerMax));
    if (this.maxStreams > before) this.hooks.onCapacity();
  };
}

/**
 * Resolves once the session is connected and the peer's SETTINGS arrived. The connector has
 * already returned, so the opener's budget is watched here: a peer that never sends
 * SETTINGS costs the opener its budget and the session is destroyed.
 */
function usable(session: ClientHttp2Session, opener: CheckContext): Promise<void> {
  if (session.destroyed || session.closed) return Promise.reject(new CheckFailure('no_response', 'send', 'HTTP/2 connection closed before the server sent its SETTINGS'));
  if (hasRemoteSettings(session)) return Promise.resolve();
  if (opener.aborted !== null) {
    session.destroy();
    return Promise.reject(opener.aborted);
  }
  return new Promise((resolve, reject) => {
    const done = (err?: unknown): void => {
      opener.onAbort(null);
      session.off('remoteSettings', onSettings);
      session.off('error', done);
      session.off('close', onClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    opener.onAbort((failure) => {
      done(failure);
      session.destroy();
    });
    const onSettings = (): void => done();
    const onClose = (): void => done(new CheckFailure('no_response', 'send', 'HTTP/2 connection closed before the server sent its SETTINGS'));
    session.once('remoteSettings', onSettings);
    session.once('error', done);
    session.once('close', onClose);
  });
}
