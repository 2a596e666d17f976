import { Deadline, type DeadlineClock } from '../context/deadline-clock.js';
import { connect as netConnect, isIP, type LookupFunction, type NetConnectOpts, type OnReadOpts, type TcpNetConnectOpts } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import type { Clients } from '../clients.js';
import type { ResolvedAddress } from '../dns/resolver-types.js';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import { abortable } from '../context/abortable.js';
import { readTlsInfo } from './tls-info.js';
import type { CheckContext } from '../context/check-context.js';
import type { Connection } from './connection-types.js';
import { RawTcpConnection, type RawTcp, type RawTcpOwner } from './raw-tcp.js';

export interface TlsOptions {
  /** SNI and certificate host name; omitted for IP literals */
  readonly servername: string | undefined;
  readonly alpn: readonly string[] | undefined;
  readonly secureContext: SecureContext;
  readonly rejectUnauthorized: boolean;
  /** also list the certificate chain in ctx.tls (tls checks; HTTP checks report only its earliest expiry) */
  readonly withChain?: boolean;
}

/**
 * Catches the certificate Node parsed for its identity check, so the TLS details are read
 * from it instead of a second parse (getPeerCertificate(true) costs ~200 µs here: it turns
 * every certificate of the chain into an object). Its own small object, so the socket (whose
 * connect options keep `check` for the socket's life) references nothing of the check: when
 * the check's objects could be reached from the socket, every socket the garbage collector
 * promoted kept its check's later objects alive until the next full collection (twice the
 * bytes surviving each scavenge, docs/performance.md).
 */
export class IdentityCheck {
  private cert: PeerCertificate | null = null;

  readonly check = (host: string, cert: PeerCertificate): Error | undefined => {
    this.cert = cert;
    return checkServerIdentity(host, cert);
  };

  /** The certificate Node parsed (null if it did not: a chain that failed to verify, a resumed session); then forgets it. */
  take(): PeerCertificate | null {
    const cert = this.cert;
    this.cert = null;
    return cert;
  }
}

export interface ConnectTarget {
  /** host name or IP literal, without IPv6 brackets */
  readonly host: string;
  readonly port: number;
  readonly tls: TlsOptions | null;
  readonly connectTimeoutMs: number;
}

/** tls.connect passes these on to net.connect (its own option types leave them out). */
type HappyEyeballsOptions = Pick<TcpNetConnectOpts, 'autoSelectFamily' | 'autoSelectFamilyAttemptTimeout'>;

/** RFC 8305 connection attempt delay between address families. */
const HAPPY_EYEBALLS_ATTEMPT_MS = 250;

/** URL hostnames keep IPv6 brackets; sockets want them off. */
export function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Called exactly once: a classified failure, or the connected (and verified) socket. */
export type Connected = (failure: CheckFailure | null, socket: Connection | null) => void;

/** A fresh plain connection (an HTTP/1.1 exchange, a TCP check): on libuv's TCP handle when the clients have it (raw-tcp.ts), else a `net` socket. */
export type FreshConnection = Connection | RawTcpConnection;
export type FreshConnected = (failure: CheckFailure | null, conn: FreshConnection | null) => void;

/** The SSRF guard: a failure when any resolved address is private or reserved, else null. */
function guardAddresses(target: ConnectTarget, addresses: readonly ResolvedAddress[], clients: Clients, literal: boolean): CheckFailure | null {
  if (clients.allowPrivateTargets) return null;
  // Judge every resolved address: a mixed answer is how DNS rebinding sneaks a private address in.
  for (const { address } of addresses) {
    const range = clients.guard.blockedRange(address);
    if (range !== null) {
      const shown = literal ? address : `${target.host} resolves to ${address}`;
      return new CheckFailure('address_not_allowed', 'connect', `${shown}, which is in ${range} (allowPrivateTargets is off)`);
    }
  }
  return null;
}

function resolveThenConnect(target: ConnectTarget, clients: Clients, ctx: CheckContext, done: FreshConnected, onread: OnReadOpts | null, raw: RawTcp | null): void {
  ctx.phase = 'dns';
  ctx.timer.mark('dnsStart');
  abortable(ctx, clients.resolver.resolve(target.host, Math.max(1, ctx.remainingMs()))).then(
    (addresses) => {
      ctx.timer.mark('dnsEnd');
      if (addresses.length === 0) return done(new CheckFailure('dns_no_record', 'dns', `${target.host} has no A/AAAA records`), null);
      const refused = guardAddresses(target, addresses, clients, false);
      if (refused !== null) return done(refused, null);
      connectTo(target, addresses, clients, ctx, done, onread, raw);
    },
    (err: unknown) => done(classifyError(err, ctx.phase), null),
  );
}

/**
 * Opens a fresh connection: DNS (own resolver + cache; skipped for IP literals), SSRF guard,
 * TCP connect with happy eyeballs across the resolved addresses, then TLS. Marks every phase
 * on ctx.timer and calls `done` once, with a classified CheckFailure or the socket.
 * Callback-style for the fresh-connection hot path; `openConnection` is the promise form.
 */
export function connectWith(target: ConnectTarget, clients: Clients, ctx: CheckContext, done: Connected, onread: OnReadOpts | null = null): void {
  // Without a raw TCP handle every connection is a `net` socket: `done` is only ever given one.
  connectAny(target, clients, ctx, done as FreshConnected, onread, null);
}

/**
 * `connectWith` for a fresh plain connection that will carry one HTTP/1.1 exchange, or none
 * (a TCP check only connects): on libuv's TCP handle when the clients have it and there is
 * one address to connect to (happy eyeballs across several stays `net`'s), else a `net`
 * socket reading into the clients' buffer.
 */
export function connectFreshPlain(target: ConnectTarget, clients: Clients, ctx: CheckContext, done: FreshConnected): void {
  connectAny(target, clients, ctx, done, clients.http1Reads, clients.rawTcp);
}

function connectAny(target: ConnectTarget, clients: Clients, ctx: CheckContext, done: FreshConnected, onread: OnReadOpts | null, raw: RawTcp | null): void {
  const family = isIP(target.host);
  if (family === 0) return resolveThenConnect(target, clients, ctx, done, onread, raw);
  // IP literal: no DNS phase and no async hop.
  const addresses: readonly ResolvedAddress[] = [{ address: target.host, family: family as 4 | 6 }];
  const refused = guardAddresses(target, addresses, clients, true);
  if (refused !== null) return done(refused, null);
  connectTo(target, addresses, clients, ctx, done, onread, raw);
}

/** `connectFreshPlain` as a promise that rejects only with a CheckFailure. */
export function openFreshPlain(target: ConnectTarget, clients: Clients, ctx: CheckContext): Promise<FreshConnection> {
  return new Promise<FreshConnection>((resolve, reject) => {
    connectFreshPlain(target, clients, ctx, (failure, conn) => (failure === null ? resolve(conn as FreshConnection) : reject(failure)));
  });
}

/** Closes a fresh connection now, whichever transport carries it. */
export function closeNow(conn: FreshConnection): void {
  if (conn instanceof RawTcpConnection) conn.close();
  else conn.destroy();
}

/** `connectWith` as a promise that rejects only with a CheckFailure. */
export function openConnection(target: ConnectTarget, clients: Clients, ctx: CheckContext): Promise<Connection> {
  return new Promise<Connection>((resolve, reject) => {
    connectWith(target, clients, ctx, (failure, socket) => (failure === null ? resolve(socket as Connection) : reject(failure)));
  });
}

// Socket listeners are shared functions (EventEmitter calls them with `this` = the socket)
// that reach the attempt through one symbol-keyed property: one object per connection
// attempt instead of half a dozen closures on the fresh-connection hot path.
const kAttempt = Symbol('vigil.connect.attempt');
type TaggedSocket = Connection & { [kAttempt]?: ConnectAttempt | null };

function onSocketConnect(this: TaggedSocket): void {
  this[kAttempt]?.onConnect();
}
function onSocketSecure(this: TaggedSocket): void {
  this[kAttempt]?.onSecure();
}
function onSocketError(this: TaggedSocket, err: Error): void {
  this[kAttempt]?.onError(err);
}
function connectTo(
  target: ConnectTarget, addresses: readonly ResolvedAddress[], clients: Clients, ctx: CheckContext, done: FreshConnected, onread: OnReadOpts | null, raw: RawTcp | null,
): void {
  if (raw !== null && target.tls === null && addresses.length === 1 && onread !== null) {
    new RawConnectAttempt(target, addresses[0] as ResolvedAddress, raw, onread.buffer as Buffer, clients.clock, ctx, done);
    return;
  }
  new ConnectAttempt(target, addresses, clients.clock, ctx, done, onread);
}

/**
 * One TCP (+ TLS) connection attempt; settles exactly once through `done`. It is its own
 * connect timeout on the clients' clock (expire = the connect did not finish in time).
 */
class ConnectAttempt extends Deadline {
  private readonly socket: TaggedSocket;
  private readonly connectBudgetMs: number;
  private isSettled = false;
  /** TLS only: the certificate Node parses for its identity check */
  private readonly identity: IdentityCheck | null;

  constructor(
    private readonly target: ConnectTarget,
    addresses: readonly ResolvedAddress[],
    private readonly clock: DeadlineClock,
    private readonly ctx: CheckContext,
    private readonly done: FreshConnected,
    onread: OnReadOpts | null,
  ) {
    super();
    ctx.phase = 'connect';
    const connectStartMs = performance.now();
    ctx.timer.mark('connectStart', connectStartMs);
    const tlsOptions = target.tls;
    this.identity = tlsOptions === null ? null : new IdentityCheck();
    this.socket = tlsOptions === null ? netConnect(socketOptions(target, addresses, onread)) : tlsConnect(tlsSocketOptions(target, tlsOptions, addresses, this.identity as IdentityCheck));
    this.connectBudgetMs = Math.max(1, Math.min(target.connectTimeoutMs, ctx.remainingMs(connectStartMs)));
    clock.arm(this, this.connectBudgetMs, connectStartMs);
    const socket = this.socket;
    socket[kAttempt] = this;
    socket.on('error', onSocketError);
    socket.on('connect', onSocketConnect);
    if (tlsOptions !== null) socket.on('secureConnect', onSocketSecure);
    ctx.onAbort((failure) => this.fail(failure));
  }

  onConnect(): void {
    const ctx = this.ctx;
    ctx.timer.mark('connectEnd');
    this.clock.disarm(this);
    if (this.target.tls === null) this.succeed();
    else ctx.phase = 'tls';
  }

  onSecure(): void {
    const tlsOptions = this.target.tls;
    if (tlsOptions === null) return;
    const socket = this.socket as TLSSocket;
    const ctx = this.ctx;
    const endMs = performance.now();
    ctx.tls = readTlsInfo(socket, (this.identity as IdentityCheck).take(), Date.now(), tlsOptions.withChain === true);
    if (tlsOptions.rejectUnauthorized && !socket.authorized) {
      this.fail(verificationFailure(socket, ctx, tlsOptions.servername ?? this.target.host));
      return;
    }
    ctx.timer.mark('tlsEnd', endMs);
    this.succeed();
  }

  onError(err: Error): void {
    const ctx = this.ctx;
    if (ctx.phase === 'connect' && isResetAfterHandshake(err)) {
      // The peer accepted and then reset before our loop saw the connect complete; libuv
      // reports that RST as the connect's own error. The handshake did happen (a RST to
      // our SYN is ECONNREFUSED), so connect ends here and the failure is the next phase's.
      ctx.timer.mark('connectEnd');
      ctx.phase = this.target.tls === null ? 'send' : 'tls';
    }
    this.fail(classifyError(err, ctx.phase));
  }

  expire(): void {
    const { host, port } = this.target;
    this.fail(new CheckFailure('connect_timeout', 'connect', `TCP connect to ${host}:${port} took longer than ${Math.round(this.connectBudgetMs)} ms`));
  }

  private fail(failure: CheckFailure): void {
    if (this.isSettled) return;
    this.detach();
    this.socket.destroy();
    this.done(failure, null);
  }

  private succeed(): void {
    if (this.isSettled) return;
    this.detach();
    this.done(null, this.socket);
  }

  private detach(): void {
    this.isSettled = true;
    this.clock.disarm(this);
    const socket = this.socket;
    socket[kAttempt] = null;
    socket.removeListener('error', onSocketError);
    socket.removeListener('connect', onSocketConnect);
    if (this.target.tls !== null) socket.removeListener('secureConnect', onSocketSecure);
    this.ctx.onAbort(null);
  }
}

/**
 * ConnectAttempt on libuv's TCP handle (raw-tcp.ts): one address, no TLS. The same phases,
 * marks, timeout and failures as the `net` attempt; settles exactly once through `done`.
 */
class RawConnectAttempt extends Deadline implements RawTcpOwner {
  private readonly conn: RawTcpConnection;
  private readonly connectBudgetMs: number;
  private isSettled = false;

  constructor(
    private readonly target: ConnectTarget,
    address: ResolvedAddress,
    raw: RawTcp,
    buffer: Buffer,
    private readonly clock: DeadlineClock,
    private readonly ctx: CheckContext,
    private readonly done: FreshConnected,
  ) {
    super();
    ctx.phase = 'connect';
    const connectStartMs = performance.now();
    ctx.timer.mark('connectStart', connectStartMs);
    this.conn = new RawTcpConnection(raw, this, address.address, address.family, target.port, buffer);
    this.connectBudgetMs = Math.max(1, Math.min(target.connectTimeoutMs, ctx.remainingMs(connectStartMs)));
    clock.arm(this, this.connectBudgetMs, connectStartMs);
    ctx.onAbort(this);
  }

  rawConnected(err: Error | null): void {
    const ctx = this.ctx;
    if (err === null) {
      ctx.timer.mark('connectEnd');
      this.settle(null);
      return;
    }
    if (isResetAfterHandshake(err)) {
      // As in ConnectAttempt.onError: the handshake happened, the failure is the next phase's.
      ctx.timer.mark('connectEnd');
      ctx.phase = 'send';
    }
    this.settle(classifyError(err, ctx.phase));
  }

  rawData(): void {
    // Reading starts as the connect completes, and the exchange takes over in that same call.
  }

  rawEnd(): void {
    // As rawData.
  }

  rawError(err: Error): void {
    this.settle(classifyError(err, this.ctx.phase));
  }

  rawWritten(): void {
    // Nothing is written before the exchange takes over.
  }

  checkAborted(failure: CheckFailure): void {
    this.settle(failure);
  }

  expire(): void {
    const { host, port } = this.target;
    this.settle(new CheckFailure('connect_timeout', 'connect', `TCP connect to ${host}:${port} took longer than ${Math.round(this.connectBudgetMs)} ms`));
  }

  private settle(failure: CheckFailure | null): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.clock.disarm(this);
    this.ctx.onAbort(null);
    const conn = this.conn;
    conn.owner = null;
    if (failure !== null) {
      conn.close();
      this.done(failure, null);
    } else {
      this.done(null, conn);
    }
  }
}

/**
 * tls.connect's options, written out as one literal per shape: `{ ...base, servername, … }`
 * costs ~9 µs per check on Node 20 (V8 spreading a fresh small object into a larger one).
 * Verification is enforced in onSecure, before a single request byte is sent, so a failed
 * certificate can still be reported (subject, expiry): rejectUnauthorized is off here.
 */
function tlsSocketOptions(target: ConnectTarget, tls: TlsOptions, addresses: readonly ResolvedAddress[], identity: IdentityCheck): ConnectionOptions & HappyEyeballsOptions {
  const alpn = tls.alpn as string[] | undefined;
  if (addresses.length === 1) {
    const { address } = addresses[0] as ResolvedAddress;
    return { host: address, port: target.port, servername: tls.servername, ALPNProtocols: alpn, secureContext: tls.secureContext, rejectUnauthorized: false, checkServerIdentity: identity.check };
  }
  return {
    host: target.host,
    port: target.port,
    lookup: lookupFrom(addresses),
    autoSelectFamily: true,
    autoSelectFamilyAttemptTimeout: HAPPY_EYEBALLS_ATTEMPT_MS,
    servername: tls.servername,
    ALPNProtocols: alpn,
    secureContext: tls.secureContext,
    rejectUnauthorized: false,
    checkServerIdentity: identity.check,
  };
}

/** net.connect's options: the one resolved address, or happy eyeballs across several. */
function socketOptions(target: ConnectTarget, addresses: readonly ResolvedAddress[], onread: OnReadOpts | null): NetConnectOpts {
  if (addresses.length === 1) return { host: (addresses[0] as ResolvedAddress).address, port: target.port, onread: onread ?? undefined };
  return {
    host: target.host,
    port: target.port,
    onread: onread ?? undefined,
    lookup: lookupFrom(addresses),
    autoSelectFamily: true,
    autoSelectFamilyAttemptTimeout: HAPPY_EYEBALLS_ATTEMPT_MS,
  };
}

/** ECONNRESET / EPIPE exist only on an established connection. */
function isResetAfterHandshake(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** The certificate did not verify: classify Node's code and say what the certificate was. */
export function verificationFailure(socket: TLSSocket, ctx: CheckContext, host: string): CheckFailure {
  const reason = socket.authorizationError as unknown;
  const code = reason instanceof Error ? ((reason as { code?: string }).code ?? reason.message) : String(reason);
  // Node keeps only the code of an identity failure; recompute its message (failure path only).
  const identity = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? checkServerIdentity(host, socket.getPeerCertificate(false)) : undefined;
  const message = identity?.message ?? (reason instanceof Error ? reason.message : code);
  const failure = classifyError(Object.assign(new Error(message), { code }), 'tls');
  const info = ctx.tls;
  const about = info === null ? '' : ` (certificate ${info.certSubject ?? '?'}, issued by ${info.certIssuer ?? '?'}, expires ${info.certExpiresAt ?? '?'})`;
  return new CheckFailure(failure.kind === 'other' ? 'cert_invalid' : failure.kind, 'tls', `${failure.detail}${about}`);
}

function lookupFrom(addresses: readonly ResolvedAddress[]): LookupFunction {
  // net.connect with autoSelectFamily calls lookup with { all: true }; hand it the addresses
  // we already resolved (and guarded) so no second DNS query happens and dnsMs stays honest.
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) {
      callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
    } else {
      const a = addresses[0] as ResolvedAddress;
      callback(null, a.address, a.family);
    }
  }) as unknown as LookupFunction;
}
