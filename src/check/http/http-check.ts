import type { H2Session } from '../http2/session.js';
import type { TLSSocket } from 'node:tls';
import type { CheckResult, TlsInfo } from '../../domain/check-result.js';
import type { HttpCheckSpec } from '../../domain/check-spec.js';
import type { Clients } from '../clients.js';
import type { ExecuteOptions } from '../index.js';
import { armBudget, disarmBudget } from '../context/budget.js';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import { abortable } from '../context/abortable.js';
import { connectFreshPlain, connectWith, openConnection, type FreshConnection } from '../net/connect.js';
import { RawTcpConnection } from '../net/raw-tcp.js';
import { closedAtOnce, closeGracefully, serverClose, waitForServerClose } from './fresh-close.js';
import { exchangeHttp1Raw } from '../http1/raw-http1.js';
import { CheckContext } from '../context/check-context.js';
import type { Connection } from '../net/connection-types.js';
import { readTlsInfo } from '../net/tls-info.js';
import { buildResult, failureResult } from '../result-builder.js';
import { PhaseTimer } from '../context/phase-timer.js';
import { decodeBody, identityBody, isIdentity, type DecodedBody } from './body.js';
import type { HopResponse } from '../exchange-types.js';
import { AlpnChanged, exchangeH2OverSocket } from './h2-adapter.js';
import { createSessionOverSocket } from './h2/over-socket.js';
import { PooledExchange, type SessionConnector } from './h2/session-pool.js';
import { firstHopPlan, planHop, type HopPlan } from './hop-plan.js';
import { exchangeHttp1, type Http1Outcome } from '../http1/http1.js';
import { isRedirect, nextHop } from './redirect.js';
import { judgeConditions, judgeResponse } from './verdict.js';
import { withCertExpiry } from '../cert-expiry.js';
import { bugResult } from '../bug-result.js';
import { tellDone, type CheckDone } from '../check-done.js';

/** What the last hop revealed, kept so a failure result still reports it (status, TLS, reuse: on ctx). */
interface HopInfo {
  httpVersion: '1.1' | '2' | null;
  /** a fresh HTTP/1.1 connection whose response is complete, waiting for the server's FIN */
  closing: FreshConnection | null;
}

const NO_BODY: DecodedBody = Object.freeze({ body: null, bytes: null, overCap: false, failure: null });

export function executeHttpCheck(spec: HttpCheckSpec, clients: Clients, options: ExecuteOptions): Promise<CheckResult> {
  return runHttpCheck(spec, clients, options, null) as Promise<CheckResult>;
}

/** `executeHttpCheck` telling `done` (check-done.ts): a pooled HTTP/2 check makes no promise. */
export function startHttpCheck(spec: HttpCheckSpec, clients: Clients, options: ExecuteOptions, done: CheckDone): void {
  const running = runHttpCheck(spec, clients, options, done);
  if (running !== undefined) void running.then((result) => tellDone(done, result));
}

/** Starts the check; `done` null: returns its promise; else the check tells `done` itself (undefined). */
function runHttpCheck(spec: HttpCheckSpec, clients: Clients, options: ExecuteOptions, done: CheckDone | null): Promise<CheckResult> | undefined {
  const startedAt = Date.now();
  const timer = new PhaseTimer();
  const ctx = new CheckContext(timer, spec.timeoutMs);
  armBudget(ctx, clients.clock, spec.timeoutMs, options.signal);
  const plan = plannedFirstHop(spec, clients);
  if (plan !== null && spec.connection === 'fresh' && spec.http2 !== 'prior-knowledge' && !plan.isTls) {
    // A fresh plain HTTP/1.1 connection.
    if (done === null) return new Promise<CheckResult>((resolve) => new FreshHttp1Check(spec, clients, ctx, plan, startedAt, resolve).start());
    new FreshHttp1Check(spec, clients, ctx, plan, startedAt, done).start();
    return undefined;
  }
  if (plan !== null && spec.connection === 'pooled' && plan.h2Connect !== undefined && !plan.isAlpnPooled) {
    // A stream on the pool's HTTP/2 sessions (prior knowledge).
    if (done === null) return new Promise<CheckResult>((resolve) => new PooledH2Check(spec, clients, ctx, plan, startedAt, resolve).start());
    new PooledH2Check(spec, clients, ctx, plan, startedAt, done).start();
    return undefined;
  }
  return runHops(spec, clients, ctx, { httpVersion: null, closing: null }, startedAt, plan, null).catch((bug: unknown) => bugResult(spec, startedAt, bug));
}

/** The first hop's plan (hop-plan.ts), once per check; null when planning fails: runHops plans it again and classifies the failure. */
function plannedFirstHop(spec: HttpCheckSpec, clients: Clients): HopPlan | null {
  try {
    return firstHopPlan(spec, clients);
  } catch {
    return null;
  }
}

/**
 * A fresh plain HTTP/1.1 check — the daemon's most common one and the load harness's HTTP/1
 * path — from the connection's callbacks to the result told to `done`, with no promise or
 * async layer (as PooledH2Check), when the response is final and needs no decoding: the
 * connect, the exchange, the verdict, the wait for the server's FIN. A redirect to follow or
 * a body to decode continues in runHops with the response in hand.
 */
class FreshHttp1Check {
  /** null once told: it is told exactly once */
  private done: CheckDone | null;
  private readonly info: HopInfo = { httpVersion: null, closing: null };
  private conn: FreshConnection | null = null;
  private result: CheckResult | null = null;

  constructor(
    private readonly spec: HttpCheckSpec,
    private readonly clients: Clients,
    private readonly ctx: CheckContext,
    private readonly plan: HopPlan,
    private readonly startedAt: number,
    done: CheckDone,
  ) {
    this.done = done;
  }

  start(): void {
    try {
      connectFreshPlain(this.plan.target, this.clients, this.ctx, this.connected);
    } catch (bug) {
      this.bug(bug);
    }
  }

  private readonly connected = (failure: CheckFailure | null, conn: FreshConnection | null): void => {
    try {
      if (failure !== null) return this.finish(hopFailureResult(this.spec, this.ctx, this.info, this.startedAt, failure));
      const connected = conn as FreshConnection;
      this.conn = connected;
      this.info.httpVersion = '1.1';
      const { plan, ctx, clients } = this;
      if (connected instanceof RawTcpConnection) exchangeHttp1Raw(connected, plan.request, ctx, clients.http1Parsers, this.exchanged);
      else exchangeHttp1(connected, plan.request, ctx, false, clients.http1Parsers, this.exchanged, true);
    } catch (bug) {
      this.bug(bug);
    }
  };

  private readonly exchanged = (failure: CheckFailure | null, outcome: Http1Outcome | null): void => {
    try {
      const { spec, ctx, info, plan, startedAt } = this;
      if (failure !== null) return this.finish(hopFailureResult(spec, ctx, info, startedAt, failure));
      const conn = this.conn as FreshConnection;
      info.closing = conn;
      const response = (outcome as Http1Outcome).response;
      const body = spec.followRedirects && isRedirect(response.statusCode) ? null : bodyAsRead(plan, response);
      if (body === null) {
        // A redirect to follow or a body to decode: the rest runs in runHops.
        const done = this.done as CheckDone;
        this.done = null;
        void runHops(spec, this.clients, ctx, info, startedAt, plan, response).catch((bug: unknown) => bugResult(spec, startedAt, bug)).then((final) => tellDone(done, final));
        return;
      }
      const result = verdictResult(spec, ctx, response, body, info, startedAt);
      // The result (and totalMs) is final; the check still owns its connection until the
      // server closes it, so a check never returns with its connection open.
      if (closedAtOnce(conn, ctx)) return this.finish(result);
      this.result = result;
      waitForServerClose(conn, ctx, this.clients.clock, this.closed);
    } catch (bug) {
      this.bug(bug);
    }
  };

  private readonly closed = (): void => {
    this.finish(this.result as CheckResult);
  };

  /** A throw is our bug: the check ends with a bug result and its connection closed. */
  private bug(bug: unknown): void {
    // Thrown after the check was told: it came from whoever it told (their bug), not ours.
    if (this.done === null) throw bug;
    const conn = this.conn;
    if (conn !== null) closeGracefully(conn);
    this.finish(bugResult(this.spec, this.startedAt, bug));
  }

  private finish(result: CheckResult): void {
    const done = this.done;
    if (done === null) return;
    this.done = null;
    disarmBudget(this.ctx, this.clients.clock);
    tellDone(done, result);
  }
}

/**
 * Pooled HTTP/2 with prior knowledge, the load-test harness's hot path: from the stream's
 * events to the result told to `done` (no promise, no async layers) when the response is
 * final and needs no decoding — the usual case. A redirect to follow or a body to decode
 * continues in runHops with the response in hand. The check is its own pooled exchange
 * (it extends PooledExchange: one object, not two, and the pool calls its method; no
 * closures): with tens of thousands in flight, what each one keeps alive is what the
 * garbage collector copies and marks (docs/loadtest.md, "Memory").
 */
class PooledH2Check extends PooledExchange {
  /** null once told: it is told exactly once */
  private done: CheckDone | null;

  constructor(
    private readonly spec: HttpCheckSpec,
    private readonly clients: Clients,
    ctx: CheckContext,
    private readonly plan: HopPlan,
    private readonly startedAt: number,
    done: CheckDone,
  ) {
    super(clients.h2Pool, plan.poolKey, plan.h2Connect as SessionConnector, plan.request, ctx);
    this.done = done;
  }

  start(): void {
    try {
      this.attempt();
    } catch (bug) {
      // Thrown after the check was told: it came from whoever it told (their bug), not ours.
      if (this.done === null) throw bug;
      this.pooled(bug, null);
    }
  }

  pooled(err: unknown, response: HopResponse | null): void {
    const { spec, clients, ctx, plan, startedAt } = this;
    const info: HopInfo = { httpVersion: '2', closing: null };
    let result: CheckResult;
    try {
      const hop = response as HopResponse;
      const body = err === null && !(spec.followRedirects && isRedirect(hop.statusCode)) ? bodyAsRead(plan, hop) : null;
      if (body === null && err === null) {
        // A redirect to follow or a body to decode: the rest runs in runHops.
        const done = this.done as CheckDone;
        this.done = null;
        void runHops(spec, clients, ctx, info, startedAt, plan, hop).catch((bug: unknown) => bugResult(spec, startedAt, bug)).then((final) => tellDone(done, final));
        return;
      }
      disarmBudget(ctx, clients.clock);
      result = body !== null ? verdictResult(spec, ctx, hop, body, info, startedAt) : hopFailureResult(spec, ctx, info, startedAt, err);
    } catch (bug) {
      disarmBudget(ctx, clients.clock);
      result = bugResult(spec, startedAt, bug);
    }
    const done = this.done as CheckDone;
    this.done = null;
    tellDone(done, result);
  }
}

/**
 * The hops of a check from the first (or, with `firstResponse`, from the first's response on)
 * to the result: redirects, decoding, the verdict; then the wait for a fresh connection's FIN.
 */
async function runHops(
  spec: HttpCheckSpec, clients: Clients, ctx: CheckContext, info: HopInfo, startedAt: number,
  firstPlan: HopPlan | null, firstResponse: HopResponse | null,
): Promise<CheckResult> {
  try {
    let plan = firstPlan ?? firstHopPlan(spec, clients);
    let pending = firstResponse;
    // Credentials go only to the first hop's origin (computed only if a redirect comes).
    let origin: string | null = null;
    for (let redirects = 0; ; redirects++) {
      let response: HopResponse;
      if (pending !== null) {
        response = pending;
        pending = null;
      } else {
        ctx.statusCode = null;
        ctx.tls = null;
        ctx.connectionReused = false;
        response = await runHop(spec, clients, ctx, plan, info);
      }
      if (spec.followRedirects && isRedirect(response.statusCode)) {
        if (redirects >= spec.maxRedirects) {
          throw new CheckFailure('too_many_redirects', 'receive', `more than ${spec.maxRedirects} redirects (last: ${response.statusCode} from ${plan.hop.url.href})`);
        }
        origin ??= plan.hop.url.origin;
        plan = planHop(spec, clients, nextHop(plan.hop, response.statusCode, response.headers.location, origin));
        // An earlier hop's connection closes in the background (the grace timer bounds it).
        if (info.closing !== null) closeGracefully(info.closing);
        info.closing = null;
        ctx.timer.resetHop();
        ctx.phase = 'dns';
        continue;
      }
      const judged = judge(spec, clients, ctx, plan, response, info, startedAt);
      // No await (and no extra microtask) when nothing was left to decode.
      const result = judged instanceof Promise ? await judged : judged;
      // The result (and totalMs) is final; the check still owns its connection until the
      // server closes it, so a check never returns with its socket open.
      const closed = info.closing === null ? undefined : serverClose(info.closing, ctx, clients.clock);
      if (closed !== undefined) await closed;
      return result;
    }
  } catch (err) {
    return hopFailureResult(spec, ctx, info, startedAt, err);
  } finally {
    if (info.closing !== null) closeGracefully(info.closing);
    disarmBudget(ctx, clients.clock);
  }
}

function hopFailureResult(spec: HttpCheckSpec, ctx: CheckContext, info: HopInfo, startedAt: number, err: unknown): CheckResult {
  const failure = classifyError(err, ctx.phase);
  return failureResult(
    { kind: 'http', target: spec.url, startedAt, httpVersion: info.httpVersion, statusCode: ctx.statusCode, tls: ctx.tls, connectionReused: ctx.connectionReused },
    failure,
    ctx.timer,
  );
}

/** The body as the verdict sees it when nothing needs decoding (HEAD, identity), else null. */
function bodyAsRead(plan: HopPlan, response: HopResponse): DecodedBody | null {
  if (plan.hop.method === 'HEAD') return NO_BODY;
  return isIdentity(response) ? identityBody(response) : null;
}

/** The final response: decode when needed (no async hop for identity bodies), judge, build. */
function judge(
  spec: HttpCheckSpec, clients: Clients, ctx: CheckContext, plan: HopPlan, response: HopResponse, info: HopInfo, startedAt: number,
): CheckResult | Promise<CheckResult> {
  const body = bodyAsRead(plan, response);
  if (body !== null) return verdictResult(spec, ctx, response, body, info, startedAt);
  return abortable(ctx, decodeBody(response, clients.limits)).then((decoded) => {
    if (ctx.aborted !== null) throw ctx.aborted;
    return verdictResult(spec, ctx, response, decoded, info, startedAt);
  });
}

function verdictResult(spec: HttpCheckSpec, ctx: CheckContext, response: HopResponse, decoded: DecodedBody, info: HopInfo, startedAt: number): CheckResult {
  const endMs = performance.now();
  const totalMs = ctx.timer.elapsedMs(endMs);
  const nowMs = Date.now();
  const judged = judgeResponse(spec, response.statusCode, response.headers, decoded, totalMs);
  const byConditions = judged.status === 'down' ? null : judgeConditions(spec, response.statusCode, response.headers, decoded, totalMs, ctx.tls, nowMs);
  const verdict = withCertExpiry(byConditions ?? judged, spec, ctx.tls, nowMs);
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
      errorPhase: verdict.errorKind === null ? null : verdict.errorKind === 'cert_expiring_soon' ? 'tls' : 'receive',
      detail: verdict.detail ?? capNote,
      connectionReused: ctx.connectionReused,
      tls: ctx.tls,
    },
    ctx.timer,
    endMs,
  );
}

/** One hop; rejects only with a CheckFailure. Not async: its promise is the hop's only one. */
function runHop(spec: HttpCheckSpec, clients: Clients, ctx: CheckContext, plan: HopPlan, info: HopInfo): Promise<HopResponse> {
  const priorKnowledge = spec.http2 === 'prior-knowledge';
  if (spec.connection === 'fresh') return freshExchange(clients, ctx, plan, info, priorKnowledge);
  if (plan.isAlpnPooled) return alpnPooledExchange(clients, plan, ctx, info);
  if (plan.h2Connect !== undefined) {
    info.httpVersion = '2';
    // TLS details are reported by the check that opened the session (ctx.tls set by connect).
    return clients.h2Pool.exchange(plan.poolKey, plan.h2Connect, plan.request, ctx);
  }
  return pooledHttp1Exchange(clients, plan, ctx, info);
}

/**
 * A new connection for this hop, HTTP/2 when prior knowledge or ALPN says so. Callbacks from
 * the socket to the one promise: no await between connect, exchange and the response.
 */
function freshExchange(clients: Clients, ctx: CheckContext, plan: HopPlan, info: HopInfo, priorKnowledge: boolean): Promise<HopResponse> {
  // A plain connection without prior knowledge can only speak HTTP/1.1.
  if (!priorKnowledge && !plan.isTls) return freshPlainHttp1Exchange(clients, ctx, plan, info);
  return new Promise<HopResponse>((resolve, reject) => {
    connectWith(plan.target, clients, ctx, (connectFailure, connected) => {
      if (connectFailure !== null) return reject(connectFailure);
      const socket = connected as Connection;
      const h2 = priorKnowledge || (plan.isTls && (socket as TLSSocket).alpnProtocol === 'h2');
      info.httpVersion = h2 ? '2' : '1.1';
      if (h2) return void exchangeH2OverSocket(socket, plan.request, ctx, clients).then(resolve, reject);
      exchangeHttp1(socket, plan.request, ctx, false, clients.http1Parsers, (failure, outcome) => {
        if (failure !== null) return reject(failure);
        info.closing = socket;
        resolve((outcome as Http1Outcome).response);
      });
    });
  });
}

/**
 * A fresh plain HTTP/1.1 hop: on libuv's TCP handle when the clients have it (net/raw-tcp.ts),
 * else on a `net` socket; either way reads land in the clients' one buffer.
 */
function freshPlainHttp1Exchange(clients: Clients, ctx: CheckContext, plan: HopPlan, info: HopInfo): Promise<HopResponse> {
  return new Promise<HopResponse>((resolve, reject) => {
    connectFreshPlain(plan.target, clients, ctx, (connectFailure, connected) => {
      if (connectFailure !== null) return reject(connectFailure);
      const conn = connected as FreshConnection;
      info.httpVersion = '1.1';
      const exchanged = (failure: CheckFailure | null, outcome: Http1Outcome | null): void => {
        if (failure !== null) return reject(failure);
        info.closing = conn;
        resolve((outcome as Http1Outcome).response);
      };
      if (conn instanceof RawTcpConnection) exchangeHttp1Raw(conn, plan.request, ctx, clients.http1Parsers, exchanged);
      else exchangeHttp1(conn, plan.request, ctx, false, clients.http1Parsers, exchanged, true);
    });
  });
}

/**
 * Pooled HTTPS with ALPN: streams on the origin's HTTP/2 sessions once a new connection to
 * it picked h2, else HTTP/1.1 keep-alive sockets. Every new connection offers both and
 * teaches the origin's choice again, so a server that changes is followed.
 */
function alpnPooledExchange(clients: Clients, plan: HopPlan, ctx: CheckContext, info: HopInfo): Promise<HopResponse> {
  if (clients.alpnChoices.get(plan.poolKey) !== 'h2') return pooledHttp1Exchange(clients, plan, ctx, info);
  info.httpVersion = '2';
  return clients.h2Pool.exchange(plan.poolKey, plan.h2Connect as SessionConnector, plan.request, ctx).catch((err: unknown) => {
    // The new session's connection came back http/1.1: go again over HTTP/1.1.
    if (!(err instanceof AlpnChanged)) throw err;
    return pooledHttp1Exchange(clients, plan, ctx, info);
  });
}

/** A new TLS connection of a pooled ALPN check picked h2: it becomes a session of the pool. */
async function adoptIntoH2Pool(clients: Clients, plan: HopPlan, ctx: CheckContext, info: HopInfo, socket: Connection): Promise<HopResponse> {
  info.httpVersion = '2';
  let isAdopted = false;
  const adopt = (): H2Session => {
    isAdopted = true;
    return createSessionOverSocket(socket, clients);
  };
  try {
    return await clients.h2Pool.exchange(plan.poolKey, adopt, plan.request, ctx);
  } finally {
    // Another check's session took this stream first: the connection is not needed.
    if (!isAdopted) socket.destroy();
  }
}

const kTlsInfo = Symbol('vigil.http.tlsInfo');
type TlsInfoSocket = TLSSocket & { [kTlsInfo]?: TlsInfo | null };

function reusedTlsInfo(socket: TlsInfoSocket): TlsInfo {
  const known = socket[kTlsInfo];
  if (known !== undefined && known !== null) return known;
  const info = readTlsInfo(socket);
  socket[kTlsInfo] = info;
  return info;
}

async function pooledHttp1Exchange(clients: Clients, plan: HopPlan, ctx: CheckContext, info: HopInfo): Promise<HopResponse> {
  info.httpVersion = '1.1';
  const idle = clients.http1Pool.acquire(plan.poolKey);
  const socket = idle ?? (await openConnection(plan.target, clients, ctx));
  if (idle === null && plan.isAlpnPooled) {
    const picked = (socket as TLSSocket).alpnProtocol === 'h2' ? 'h2' : 'http/1.1';
    clients.alpnChoices.set(plan.poolKey, picked);
    if (picked === 'h2') return adoptIntoH2Pool(clients, plan, ctx, info, socket);
  }
  ctx.connectionReused = idle !== null;
  // A reused TLS socket did no handshake now, but its session and certificate are still true
  // (read once per connection: walking the chain costs more than the check's own work).
  if (idle !== null && plan.isTls) ctx.tls = reusedTlsInfo(idle as TlsInfoSocket);
  else if (plan.isTls) (socket as TlsInfoSocket)[kTlsInfo] = ctx.tls;
  if (idle !== null) ctx.phase = 'send';
  const { response, reusable } = await new Promise<Http1Outcome>((resolve, reject) => {
    exchangeHttp1(socket, plan.request, ctx, true, clients.http1Parsers, (failure, outcome) => (failure === null ? resolve(outcome as Http1Outcome) : reject(failure)));
  });
  if (reusable) clients.http1Pool.release(plan.poolKey, socket);
  else closeGracefully(socket);
  return response;
}
