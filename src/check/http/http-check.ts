import type { H2Session } from '../http2/session.js';
import type { TLSSocket } from 'node:tls';
import type { CheckResult, TlsInfo } from '../../domain/check-result.js';
import type { HttpCheckSpec } from '../../domain/check-spec.js';
import type { Clients } from '../clients.js';
import type { ExecuteOptions } from '../index.js';
import { armBudget, disarmBudget } from '../context/budget.js';
import { Deadline, type DeadlineClock } from '../context/deadline-clock.js';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import { abortable } from '../context/abortable.js';
import { connectFreshPlain, connectWith, openConnection, type FreshConnection } from '../net/connect.js';
import { RawTcpConnection, type RawTcpOwner } from '../net/raw-tcp.js';
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

/** How long a finished fresh connection waits for the server's FIN (TIME_WAIT on its side). */
const CLOSE_GRACE_MS = 2_000;
const NO_BODY: DecodedBody = Object.freeze({ body: null, bytes: null, overCap: false, failure: null });

export function executeHttpCheck(spec: HttpCheckSpec, clients: Clients, options: ExecuteOptions): Promise<CheckResult> {
  return runHttpCheck(spec, clients, options, null) as Promise<CheckResult>;
}

/** `executeHttpCheck` telling `done` (check-done.ts): a pooled HTTP/2 check makes no promise. */
export function startHttpCheck(spec: HttpCheckSpec, clients: Clients, options: ExecuteOptions, done: CheckDone): void {
  const running = runHttpCheck(spec, clients, options, done);
  if (running !== undefined) void running.then((result) => tellDone(done, result));
}

/** Starts the check; `done` null: returns its promise; else a pooled HTTP/2 check tells `done` itself (undefined). */
function runHttpCheck(spec: HttpCheckSpec, clients: Clients, options: ExecuteOptions, done: CheckDone | null): Promise<CheckResult> | undefined {
  const startedAt = Date.now();
  const timer = new PhaseTimer();
  const ctx = new CheckContext(timer, spec.timeoutMs);
  armBudget(ctx, clients.clock, spec.timeoutMs, options.signal);
  const plan = spec.connection === 'pooled' ? pooledH2Plan(spec, clients) : null;
  if (plan === null) return runHops(spec, clients, ctx, { httpVersion: null, closing: null }, startedAt, null, null).catch((bug: unknown) => bugResult(spec, startedAt, bug));
  if (done === null) return new Promise<CheckResult>((resolve) => new PooledH2Check(spec, clients, ctx, plan, startedAt, resolve).start());
  new PooledH2Check(spec, clients, ctx, plan, startedAt, done).start();
  return undefined;
}

/** The first hop's plan when it runs as a stream on the pool's sessions (prior knowledge), else null. */
function pooledH2Plan(spec: HttpCheckSpec, clients: Clients): HopPlan | null {
  try {
    const plan = firstHopPlan(spec, clients);
    return plan.h2Connect !== undefined && !plan.isAlpnPooled ? plan : null;
  } catch {
    return null; // runHops plans it again and classifies the failure
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

/**
 * We asked for `Connection: close`, so the server closes first and TIME_WAIT lands on its
 * side. Resolves once the server's FIN arrived and we destroyed the socket — usually in the
 * same loop turn as the response — or after CLOSE_GRACE_MS or when the check's
 * budget runs out, whichever is first (then we close it). Waiting here instead of closing in
 * the background keeps every fresh connection inside its check (the in-flight checks bound
 * the open sockets), and it costs less per check than a background close with a socket
 * timeout (docs/performance.md).
 */
function serverClose(socket: FreshConnection, ctx: CheckContext, clock: DeadlineClock): Promise<void> | undefined {
  if (socket instanceof RawTcpConnection) return rawServerClose(socket, ctx, clock);
  if (socket.destroyed) return undefined;
  // Out of budget already (it ran out while the result was made): no abort will come.
  if (socket.readableEnded || ctx.aborted !== null) {
    socket.destroy();
    return undefined;
  }
  return new Promise<void>((resolve) => {
    const wait = new FinWait(socket, clock, resolve);
    // The verdict is already made: running out of time now only ends the wait.
    if (ctx.remainingMs() > CLOSE_GRACE_MS) clock.arm(wait, CLOSE_GRACE_MS);
    (socket as FinWaitSocket)[kFinWait] = wait;
    socket.once('end', onFinWaitEnd);
    socket.once('close', onFinWaitClose);
    socket.on('error', destroySelf);
    ctx.onAbort(() => socket.destroy());
    socket.resume();
  });
}

const kFinWait = Symbol('vigil.http.finWait');
type FinWaitSocket = Connection & { [kFinWait]?: FinWait | null };

/** A fresh connection waiting for the server's FIN; on the clock, the CLOSE_GRACE_MS bound. */
class FinWait extends Deadline {
  constructor(
    private readonly socket: Connection,
    private readonly clock: DeadlineClock,
    private readonly resolve: () => void,
  ) {
    super();
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
 * A connection this check no longer waits for (an earlier redirect hop, or a check that
 * failed after its response): it closes in the background, the server first if it does so
 * within CLOSE_GRACE_MS (TIME_WAIT on its side), else we destroy it.
 */
function closeGracefully(socket: FreshConnection): void {
  if (socket instanceof RawTcpConnection) {
    rawCloseGracefully(socket);
    return;
  }
  if (socket.destroyed) return;
  if (socket.readableEnded) {
    socket.destroy();
    return;
  }
  socket.unref();
  socket.setTimeout(CLOSE_GRACE_MS, destroySelf);
  socket.on('error', destroySelf);
  socket.resume();
}

/** A shared listener ('timeout', 'error'): EventEmitter calls it with `this` = the socket. */
function destroySelf(this: Connection): void {
  this.destroy();
}

/** serverClose on libuv's TCP handle: the same wait, the same bounds. */
function rawServerClose(conn: RawTcpConnection, ctx: CheckContext, clock: DeadlineClock): Promise<void> | undefined {
  if (conn.isClosed) return undefined;
  if (conn.isReadDone || ctx.aborted !== null) {
    conn.close();
    return undefined;
  }
  return new Promise<void>((resolve) => {
    const wait = new RawFinWait(conn, clock, ctx, resolve);
    if (ctx.remainingMs() > CLOSE_GRACE_MS) clock.arm(wait, CLOSE_GRACE_MS);
    conn.owner = wait;
    ctx.onAbort(wait);
  });
}

/**
 * A fresh connection on the raw handle waiting for the server's FIN: whatever ends the
 * wait — the FIN, a reset, the grace on the clock, the check's budget — closes it and
 * resolves, once.
 */
class RawFinWait extends Deadline implements RawTcpOwner {
  private isEnded = false;

  constructor(
    private readonly conn: RawTcpConnection,
    private readonly clock: DeadlineClock,
    private readonly ctx: CheckContext,
    private readonly resolve: () => void,
  ) {
    super();
  }

  private end(): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.clock.disarm(this);
    this.ctx.onAbort(null);
    this.conn.close();
    this.resolve();
  }

  expire(): void {
    this.end();
  }

  checkAborted(): void {
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
 * closeGracefully on the raw handle (rare: an earlier redirect hop, or a check that failed
 * after its response): reads on in the background until the server's FIN, at most
 * CLOSE_GRACE_MS, without keeping the process alive.
 */
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

class RawBackgroundClose implements RawTcpOwner {
  constructor(
    private readonly conn: RawTcpConnection,
    private readonly timer: NodeJS.Timeout,
  ) {}

  private end(): void {
    clearTimeout(this.timer);
    this.conn.close();
  }

  rawEnd(): void {
    this.end();
  }

  rawError(): void {
    this.end();
  }

  rawData(): void {
    // dropped, as in RawFinWait
  }

  rawConnected(): void {
    // Long connected.
  }

  rawWritten(): void {
    // Long written.
  }
}
