import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostPort } from '../domain/spec-fields.js';
import { networkInterfaces } from 'node:os';
import type { DaemonHandle } from '../daemon/daemon-handle.js';
import { createDaemonMetrics } from '../metrics/daemon-metrics.js';
import { LatestResults } from '../status-page/latest-results.js';
import { ApiError } from './api-error.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiToken, HostRule } from '../config/api-settings.js';
import { createTokenAuth, type Caller } from './auth.js';
import { assertJsonBodyType, ClientGoneError, sendJson } from './http-io.js';
import { createRequestGuard, defaultHostRules, type RequestGuard } from './request-guard.js';
import { Router, type Route } from './router.js';
import { historyRoutes } from './routes/history-routes.js';
import { alertRoutes } from './routes/alert-routes.js';
import { maintenanceWindowRoutes } from './routes/maintenance-window-routes.js';
import { statusPageRoutes } from './routes/status-page-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { targetRoutes } from './routes/target-routes.js';
import { PUSH_PREFIX, pushRoutes } from './routes/push-routes.js';

export interface ApiServerOptions {
  readonly host: string;
  readonly port: number;
  /** bearer tokens for /api/v1; none = open (the daemon allows that on loopback only) */
  readonly tokens: readonly ApiToken[];
  /** Host names served besides the defaults (bind address, localhost, 127.0.0.1, [::1] with the port) */
  readonly allowedHosts?: readonly HostRule[];
  /** epoch ms clock, for tests; defaults to Date.now */
  readonly now?: () => number;
  /** a request (headers and body) must arrive within this; default REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
  /** at close, requests in flight get this long before their connections are cut; default CLOSE_GRACE_MS */
  readonly closeGraceMs?: number;
}

/** A request whose headers and body have not all arrived by then is answered 408 and closed. */
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;
/**
 * Node stops checking the two timeouts above once the server closes, so without a bound of
 * its own a client stuck mid-body held the daemon's shutdown forever.
 */
const CLOSE_GRACE_MS = 5_000;

export interface ApiServer {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** Replaces the tokens and extra Host names (config reload); requests in flight keep the old ones. */
  configure(access: { tokens: readonly ApiToken[]; allowedHosts: readonly HostRule[] }): void;
  close(): Promise<void>;
}

/** Who may call, and as which Host: swapped as a whole on reload. */
interface Access {
  readonly authorize: (authorization: string | undefined, method: string) => Caller;
  readonly guard: RequestGuard;
}

/** Every route the server answers, in match order (literal paths before parameters). */
export function buildRoutes(deps: ApiDeps): Route[] {
  return [...systemRoutes(deps), ...statusPageRoutes(deps), ...targetRoutes(deps), ...historyRoutes(deps), ...maintenanceWindowRoutes(deps), ...alertRoutes(deps), ...pushRoutes(deps)];
}

/** A bound API port that answers 503 until `serve` hands it the daemon. */
export interface ApiListener {
  readonly url: string;
  serve(handle: DaemonHandle): ApiServer;
  close(): Promise<void>;
}

/**
 * Binds the API port first, before the daemon opens its database, so a port in use
 * (EADDRINUSE) is found before anything is written. Requests that arrive before `serve`
 * get 503 `starting`.
 */
export async function listenApi(options: ApiServerOptions): Promise<ApiListener> {
  let onRequest: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => sendError(res, new ApiError(503, 'not_ready', 'the daemon is starting'));
  // Slow or idle clients must not pin sockets forever. Node enforces these two timeouts only
  // when it checks its connections (every 30 s by default, so a slow body was answered after
  // up to 60 s); checking ten times per timeout keeps the answer within 10 % of it.
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const headersTimeout = Math.min(HEADERS_TIMEOUT_MS, requestTimeout);
  const server = createServer({ requestTimeout, headersTimeout, connectionsCheckingInterval: Math.max(10, Math.min(1_000, headersTimeout / 10)) }, (req, res) => onRequest(req, res));
  server.keepAliveTimeout = 5_000;
  await listen(server, options.host, options.port);
  const address = server.address() as AddressInfo;
  const url = `http://${hostPort(address.address, address.port)}`;
  const defaults = defaultHostRules(options.host, address.port, localAddresses());
  let access: Access = { authorize: createTokenAuth(options.tokens), guard: createRequestGuard([...defaults, ...(options.allowedHosts ?? [])]) };
  const configure = (next: { tokens: readonly ApiToken[]; allowedHosts: readonly HostRule[] }): void => {
    access = { authorize: createTokenAuth(next.tokens), guard: createRequestGuard([...defaults, ...next.allowedHosts]) };
  };
  const closeGrace = options.closeGraceMs ?? CLOSE_GRACE_MS;
  const closeServer = () =>
    new Promise<void>((resolve) => {
      // idle keep-alive sockets go at once; requests in flight may finish within the grace
      const cut = setTimeout(() => server.closeAllConnections(), closeGrace);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
  return {
    url,
    serve(handle) {
      const metrics = createDaemonMetrics(handle);
      const latest = new LatestResults(handle);
      const deps: ApiDeps = { handle, metrics, latest, now: options.now ?? Date.now };
      const router = new Router(buildRoutes(deps));
      // `access` is read per request, so configure() takes effect on the next one.
      onRequest = (req, res) => void handleRequest(router, access, req, res);
      return {
        url,
        configure,
        async close() {
          metrics.close();
          latest.close();
          await closeServer();
        },
      };
    },
    close: closeServer,
  };
}

/** Starts the REST API, /metrics, health endpoints and the status page on one HTTP server. */
export async function startApiServer(handle: DaemonHandle, options: ApiServerOptions): Promise<ApiServer> {
  return (await listenApi(options)).serve(handle);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The addresses of this machine's interfaces: what a client of a wildcard bind puts in Host. */
function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => i.address.replace(/%.*$/, ''));
}

async function handleRequest(router: Router, access: Access, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Host and origin first: a rebinding or cross-site page learns nothing, not even 401 vs 404.
    access.guard.check(method, url.pathname, req.headers);
    // A push URL's token is its credential and curl sends logs as form data (push-routes.ts).
    const isPush = url.pathname.startsWith(PUSH_PREFIX);
    if (!isPush) assertJsonBodyType(req);
    const match = router.match(method, url.pathname);
    // Authenticate before revealing which API paths exist (404 vs 405).
    if (url.pathname.startsWith('/api/v1/') && url.pathname !== '/api/v1/openapi.json') access.authorize(req.headers.authorization, method);
    // A push path holds a token: never echoed, not even in a 404.
    if (match.kind === 'not_found') throw new ApiError(404, 'not_found', isPush ? 'no route for this push path' : `no route for ${url.pathname}`);
    if (match.kind === 'method_not_allowed') {
      throw new ApiError(405, 'method_not_allowed', `${method} is not allowed here; allowed: ${match.allow.join(', ')}`, undefined, { allow: match.allow.join(', ') });
    }
    await match.route.handler({ req, res, params: match.params, query: url.searchParams });
  } catch (err) {
    sendError(res, err);
  }
}

function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof ClientGoneError) {
    res.destroy();
    return;
  }
  const apiError = err instanceof ApiError ? err : new ApiError(500, 'internal', 'internal server error');
  if (!(err instanceof ApiError)) {
    // A bug, not a client mistake: log it for the operator, never send the stack.
    console.error('vigil api: unhandled error', err);
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A refused upload may still be streaming; close the connection rather than read it all.
  const closeAfter: Record<string, string> = apiError.status === 413 ? { connection: 'close' } : {};
  sendJson(res, apiError.status, apiError.toBody(), { ...apiError.headers, ...closeAfter });
}
