import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { CheckResult } from '../../domain/check-result.js';
import type { HttpCheckSpec } from '../../domain/check-spec.js';
import type { Clients } from '../clients.js';
import type { ExecuteOptions } from '../index.js';
import { armBudget } from '../budget.js';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import { abortable } from '../net/abortable.js';
import { openConnection, unbracket, type TlsOptions } from '../net/connect.js';
import { CheckContext, type Connection } from '../net/connection-types.js';
import { readTlsInfo } from '../net/tls-info.js';
import { buildResult, failureResult } from '../result-builder.js';
import { PhaseTimer } from '../timing/phase-timer.js';
import { decodeBody, identityBody, isIdentity, type DecodedBody } from './body.js';
import type { HopRequest, HopResponse } from './exchange-types.js';
import { exchangeH2OverSocket, exchangeH2Pooled } from './h2-adapter.js';
import { exchangeHttp1 } from './http1.js';
import type { ParserPool } from './parser-pool.js';
import { isCredentialHeader, isRedirect, nextHop, type HopState } from './redirect.js';
import { judgeResponse, needsBody } from './verdict.js';

/** What the last hop revealed, kept so a failure result still reports it (status and TLS: on ctx). */
interface HopInfo {
  httpVersion: '1.1' | '2' | null;
  reused: boolean;
}

/** How long a finished fresh connection waits for the server's FIN (TIME_WAIT on its side). */
const CLOSE_GRACE_MS = 2_000;
const NO_BODY: DecodedBody = Object.freeze({ body: null, bytes: null, overCap: false, failure: null });
const ALPN_BOTH = Object.freeze(['h2', 'http/1.1']);
const ALPN_H2 = Object.freeze(['h2']);
const ALPN_H1 = Object.freeze(['http/1.1']);

export async function executeHttpCheck(spec: HttpCheckSpec, clients: Clients, options: ExecuteOptions): Promise<CheckResult> {
  const startedAt = Date.now();
  const timer = new PhaseTimer();
  const ctx = new CheckContext(timer, timer.startMs + spec.timeoutMs);
  const disarm = armBudget(ctx, spec.timeoutMs, options.signal);
  const info: HopInfo = { httpVersion: null, reused: false };
  try {
    return await runHops(spec, clients, ctx, info, startedAt);
  } catch (err) {
    const failure = classifyError(err, ctx.phase);
    return failureResult(
      { kind: 'http', target: spec.url, startedAt, httpVersion: info.httpVersion, statusCode: ctx.statusCode, tls: ctx.tls, connectionReused: info.reused },
      failure,
      timer,
    );
  } finally {
    disarm();
  }
}

async function runHops(spec: HttpCheckSpec, clients: Clients, ctx: CheckContext, info: HopInfo, startedAt: number): Promise<CheckResult> {
  let hop: HopState = {
    url: specUrl(spec, clients),
    method: spec.method,
    body: spec.body === null ? null : Buffer.from(spec.body, 'utf8'),
    sendCredentials: true,
  };
  const origin = hop.url.origin;
  for (let redirects = 0; ; redirects++) {
    const response = await runHop(spec, clients, ctx, hop, info);
    if (spec.followRedirects && isRedirect(response.statusCode)) {
      if (redirects >= spec.maxRedirects) {
        throw new CheckFailure('too_many_redirects', 'receive', `more than ${spec.maxRedirects} redirects (last: ${response.statusCode} from ${hop.url.href})`);
      }
      hop = nextHop(hop, response.statusCode, response.headers['location'], origin);
      ctx.timer.resetHop();
      ctx.phase = 'dns';
      continue;
    }
    const decoded = hop.method === 'HEAD'
      ? NO_BODY
      : isIdentity(response) ? identityBody(response) : await abortable(ctx, decodeBody(response, clients.limits));
    if (ctx.aborted !== null) throw ctx.aborted;
    const verdict = judgeResponse(spec, response.statusCode, response.headers, decoded, ctx.timer.elapsedMs());
    const capNote = verdict.detail === null && decoded.overCap ? 'body larger than the read cap: read stopped at the cap' : null;
    return buildResult(
      {
        kind: 'http',
        target: spec.url,
        startedAt,
        status: verdict.status,
        httpVersion: response.httpVersion,
        statusCode: response.statusCode,
        responseBytes: decoded.bytes,
        errorKind: verdict.errorKind,
        errorPhase: verdict.errorKind === null ? null : 'receive',
        detail: verdict.detail ?? capNote,
        connectionReused: info.reused,
        tls: ctx.tls,
      },
      ctx.timer,
    );
  }
}

/** The first hop's URL, parsed once per spec; hops never mutate it (nextHop builds new URLs). */
function specUrl(spec: HttpCheckSpec, clients: Clients): URL {
  let url = clients.specUrls.get(spec);
  if (url === undefined) {
    url = new URL(spec.url);
    clients.specUrls.set(spec, url);
  }
  return url;
}

function buildHeaders(spec: HttpCheckSpec, clients: Clients, hop: HopState): Array<readonly [string, string]> {
  const headers: Array<readonly [string, string]> = [];
  const given = spec.headers;
  if (given['user-agent'] === undefined) headers.push(['user-agent', clients.userAgent]);
  if (given['accept'] === undefined) headers.push(['accept', '*/*']);
  if (given['accept-encoding'] === undefined) headers.push(['accept-encoding', 'gzip, br']);
  for (const name in given) {
    if (name === 'host' || name === 'connection' || name === 'content-length' || name === 'transfer-encoding') continue;
    if (!hop.sendCredentials && isCredentialHeader(name)) continue;
    headers.push([name, given[name] as string]);
  }
  const auth = spec.auth;
  if (auth !== null && hop.sendCredentials && given['authorization'] === undefined) {
    const value = auth.type === 'basic'
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`
      : `Bearer ${auth.token}`;
    headers.push(['authorization', value]);
  }
  if (hop.body !== null && given['content-type'] === undefined) headers.push(['content-type', 'application/octet-stream']);
  return headers;
}

async function runHop(spec: HttpCheckSpec, clients: Clients, ctx: CheckContext, hop: HopState, info: HopInfo): Promise<HopResponse> {
  const url = hop.url;
  const isTls = url.protocol === 'https:';
  const host = unbracket(url.hostname);
  const port = url.port === '' ? (isTls ? 443 : 80) : Number(url.port);
  const request: HopRequest = {
    method: hop.method,
    url,
    headers: buildHeaders(spec, clients, hop),
    body: hop.body,
    expectBody: hop.method !== 'HEAD',
    needBody: needsBody(spec),
    limits: clients.limits,
  };
  const priorKnowledge = spec.http2 === 'prior-knowledge';
  const tls: TlsOptions | null = isTls
    ? {
        servername: isIP(host) === 0 ? host : undefined,
        alpn: priorKnowledge ? ALPN_H2 : spec.connection === 'pooled' ? ALPN_H1 : ALPN_BOTH,
        secureContext: spec.verifyTls ? clients.secureContext.verify : clients.secureContext.insecure,
        rejectUnauthorized: spec.verifyTls,
      }
    : null;
  const connect = (): Promise<Connection> => openConnection({ host, port, tls, connectTimeoutMs: spec.connectTimeoutMs }, clients, ctx);
  ctx.statusCode = null;
  ctx.tls = null;
  info.reused = false;
  const response = spec.connection === 'pooled'
    ? await pooledExchange(clients, request, ctx, info, connect, priorKnowledge, spec.verifyTls)
    : await freshExchange(request, ctx, info, connect, priorKnowledge, clients.http1Parsers);
  return response;
}

async function freshExchange(
  request: HopRequest, ctx: CheckContext, info: HopInfo, connect: () => Promise<Connection>, priorKnowledge: boolean, parsers: ParserPool,
): Promise<HopResponse> {
  const socket = await connect();
  const isTls = request.url.protocol === 'https:';
  const h2 = priorKnowledge || (isTls && (socket as TLSSocket).alpnProtocol === 'h2');
  info.httpVersion = h2 ? '2' : '1.1';
  if (h2) return exchangeH2OverSocket(socket, request, ctx);
  const { response } = await exchangeHttp1(socket, request, ctx, false, parsers);
  closeGracefully(socket);
  return response;
}

async function pooledExchange(
  clients: Clients, request: HopRequest, ctx: CheckContext, info: HopInfo, connect: () => Promise<Connection>, priorKnowledge: boolean,
  verifyTls: boolean,
): Promise<HopResponse> {
  if (priorKnowledge) {
    info.httpVersion = '2';
    // TLS details are reported by the check that opened the session (ctx.tls set by connect).
    const { response, reused } = await exchangeH2Pooled(clients, request, ctx, connect, verifyTls);
    info.reused = reused;
    return response;
  }
  info.httpVersion = '1.1';
  const key = verifyTls || request.url.protocol !== 'https:' ? request.url.origin : `${request.url.origin} insecure`;
  const idle = clients.http1Pool.acquire(key);
  const socket = idle ?? (await connect());
  info.reused = idle !== null;
  // A reused TLS socket did no handshake now, but its session and certificate are still true.
  if (idle !== null && request.url.protocol === 'https:') ctx.tls = readTlsInfo(idle as TLSSocket);
  if (idle !== null) ctx.phase = 'send';
  const { response, reusable } = await exchangeHttp1(socket, request, ctx, true, clients.http1Parsers);
  if (reusable) clients.http1Pool.release(key, socket);
  else closeGracefully(socket);
  return response;
}

/**
 * We asked for `Connection: close`: let the server close first so TIME_WAIT lands on its
 * side (net sockets end themselves when the peer's FIN arrives); destroy only if it lingers.
 */
function closeGracefully(socket: Connection): void {
  if (socket.destroyed) return;
  if (socket.readableEnded) {
    socket.destroy();
    return;
  }
  socket.unref();
  socket.setTimeout(CLOSE_GRACE_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.resume();
}
