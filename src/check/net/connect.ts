import { connect as netConnect, isIP, type LookupFunction } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import type { Clients } from '../clients.js';
import type { ResolvedAddress } from '../dns/resolver-types.js';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import { abortable } from './abortable.js';
import { readTlsInfo } from './tls-info.js';
import type { CheckContext, Connection } from './connection-types.js';

export interface TlsOptions {
  /** SNI and certificate host name; omitted for IP literals */
  readonly servername: string | undefined;
  readonly alpn: readonly string[] | undefined;
  readonly secureContext: SecureContext;
  readonly rejectUnauthorized: boolean;
}

export interface ConnectTarget {
  /** host name or IP literal, without IPv6 brackets */
  readonly host: string;
  readonly port: number;
  readonly tls: TlsOptions | null;
  readonly connectTimeoutMs: number;
}

/** RFC 8305 connection attempt delay between address families. */
const HAPPY_EYEBALLS_ATTEMPT_MS = 250;

/** URL hostnames keep IPv6 brackets; sockets want them off. */
export function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Called exactly once: a classified failure, or the connected (and verified) socket. */
export type Connected = (failure: CheckFailure | null, socket: Connection | null) => void;

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

function resolveThenConnect(target: ConnectTarget, clients: Clients, ctx: CheckContext, done: Connected): void {
  ctx.phase = 'dns';
  ctx.timer.mark('dnsStart');
  abortable(ctx, clients.resolver.resolve(target.host, Math.max(1, ctx.remainingMs()))).then(
    (addresses) => {
      ctx.timer.mark('dnsEnd');
      if (addresses.length === 0) return done(new CheckFailure('dns_no_record', 'dns', `${target.host} has no A/AAAA records`), null);
      const refused = guardAddresses(target, addresses, clients, false);
      if (refused !== null) return done(refused, null);
      connectTo(target, addresses, ctx, done);
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
export function connectWith(target: ConnectTarget, clients: Clients, ctx: CheckContext, done: Connected): void {
  const family = isIP(target.host);
  if (family === 0) return resolveThenConnect(target, clients, ctx, done);
  // IP literal: no DNS phase and no async hop.
  const addresses: readonly ResolvedAddress[] = [{ address: target.host, family: family as 4 | 6 }];
  const refused = guardAddresses(target, addresses, clients, true);
  if (refused !== null) return done(refused, null);
  connectTo(target, addresses, ctx, done);
}

/** `connectWith` as a promise that rejects only with a CheckFailure. */
export function openConnection(target: ConnectTarget, clients: Clients, ctx: CheckContext): Promise<Connection> {
  return new Promise<Connection>((resolve, reject) => {
    connectWith(target, clients, ctx, (failure, socket) => (failure === null ? resolve(socket as Connection) : reject(failure)));
  });
}

function connectTo(target: ConnectTarget, addresses: readonly ResolvedAddress[], ctx: CheckContext, done: Connected): void {
  const first = addresses[0] as ResolvedAddress;
  const base = addresses.length === 1
    ? { host: first.address, port: target.port }
    : {
        host: target.host,
        port: target.port,
        lookup: lookupFrom(addresses),
        autoSelectFamily: true,
        autoSelectFamilyAttemptTimeout: HAPPY_EYEBALLS_ATTEMPT_MS,
      };
  ctx.phase = 'connect';
  const connectStartMs = performance.now();
  ctx.timer.mark('connectStart', connectStartMs);
  const tlsOptions = target.tls;
  // Node parses the peer certificate once for its identity check; keep that object
  // instead of asking for a second parse (getPeerCertificate costs ~40 µs per check).
  let verifiedCert: PeerCertificate | null = null;
  const socket: Connection = tlsOptions === null
    ? netConnect(base)
    : tlsConnect({
        ...base,
        servername: tlsOptions.servername,
        ALPNProtocols: tlsOptions.alpn as string[] | undefined,
        secureContext: tlsOptions.secureContext,
        // Verification is enforced in onSecure below, before a single request byte is
        // sent, so a failed certificate can still be reported (subject, expiry).
        rejectUnauthorized: false,
        checkServerIdentity: (host: string, cert: PeerCertificate) => {
          verifiedCert = cert;
          return checkServerIdentity(host, cert);
        },
      });
  let settled = false;
  const connectBudgetMs = Math.max(1, Math.min(target.connectTimeoutMs, ctx.remainingMs(connectStartMs)));
  const connectTimer = setTimeout(() => {
    fail(new CheckFailure('connect_timeout', 'connect', `TCP connect to ${target.host}:${target.port} took longer than ${Math.round(connectBudgetMs)} ms`));
  }, connectBudgetMs);
  const fail = (failure: CheckFailure): void => {
    if (settled) return;
    settled = true;
    clearTimeout(connectTimer);
    ctx.onAbort(null);
    socket.destroy();
    done(failure, null);
  };
  const succeed = (): void => {
    if (settled) return;
    settled = true;
    socket.removeListener('error', onError);
    ctx.onAbort(null);
    done(null, socket);
  };
  const onError = (err: Error): void => {
    if (ctx.phase === 'connect' && isResetAfterHandshake(err)) {
      // The peer accepted and then reset before our loop saw the connect complete; libuv
      // reports that RST as the connect's own error. The handshake did happen (a RST to
      // our SYN is ECONNREFUSED), so connect ends here and the failure is the next phase's.
      ctx.timer.mark('connectEnd');
      ctx.phase = tlsOptions === null ? 'send' : 'tls';
    }
    fail(classifyError(err, ctx.phase));
  };
  socket.on('error', onError);
  ctx.onAbort(fail);
  socket.once('connect', () => {
    ctx.timer.mark('connectEnd');
    clearTimeout(connectTimer);
    if (tlsOptions === null) {
      succeed();
    } else {
      ctx.phase = 'tls';
    }
  });
  if (tlsOptions !== null) {
    (socket as TLSSocket).once('secureConnect', () => {
      const tlsSocket = socket as TLSSocket;
      const endMs = performance.now();
      ctx.tls = readTlsInfo(tlsSocket, tlsSocket.authorized ? verifiedCert : null);
      if (tlsOptions.rejectUnauthorized && !tlsSocket.authorized) {
        fail(verificationFailure(tlsSocket, ctx, tlsOptions.servername ?? target.host));
        return;
      }
      ctx.timer.mark('tlsEnd', endMs);
      succeed();
    });
  }
}

/** ECONNRESET / EPIPE exist only on an established connection. */
function isResetAfterHandshake(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** The certificate did not verify: classify Node's code and say what the certificate was. */
function verificationFailure(socket: TLSSocket, ctx: CheckContext, host: string): CheckFailure {
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
