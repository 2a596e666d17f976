/**
 * The push URLs of heartbeat targets (docs/heartbeat.md): `GET|POST /push/{token}`,
 * `/push/{token}/start`, `/push/{token}/fail` and `/push/{token}/{exit code}`.
 *
 * The token in the path is the credential, so these routes need no API token (a cron job
 * curls them) and are exempt from the cross-origin write rule and the JSON body rule
 * (request-guard.ts, server.ts): a page that does not know a token can do nothing with them,
 * and `curl -d @log.txt` sends form data. A body is read (at most MAX_PUSH_BODY_BYTES) and
 * ignored. No answer, error or log line ever contains the token.
 *
 * Rate limits, each answered 429 with Retry-After: per client address (a scan for tokens
 * burns its own budget first) and per token (a job stuck in a loop), both in this node's
 * memory; with many nodes the per-token one is also kept in the store for the whole cluster
 * (heartbeat-host.ts), so spreading a token's pushes over N nodes gains nothing.
 */
import type { ApiDeps } from '../api-deps.js';
import { ApiError } from '../api-error.js';
import { readBody, sendJson } from '../http-io.js';
import type { RequestContext, Route } from '../router.js';
import { RateLimiter, type RateLimit } from '../rate-limiter.js';
import { hashPushToken, PUSH_LIMIT_PER_TOKEN, PUSH_TOKEN_FORM } from '../../config/push-token.js';
import type { PushSignal } from '../../daemon/heartbeat-host.js';

export const PUSH_PREFIX = '/push/';
const MAX_PUSH_BODY_BYTES = 16 * 1024;
/** Per client address: many jobs on one host; sixty in a burst, then one a second. */
const PER_CLIENT: RateLimit = { burst: 60, refillEveryMs: 1_000 };
const MAX_TRACKED_KEYS = 10_000;

export function pushRoutes(deps: ApiDeps): Route[] {
  const perToken = new RateLimiter(PUSH_LIMIT_PER_TOKEN, MAX_TRACKED_KEYS);
  const perClient = new RateLimiter(PER_CLIENT, MAX_TRACKED_KEYS);

  const handle = (signalOf: (params: RequestContext['params']) => PushSignal) => async (ctx: RequestContext) => {
    const now = deps.now();
    const token = ctx.params.token ?? '';
    limited(perClient.take(`client:${ctx.req.socket.remoteAddress ?? 'unknown'}`, now), 'this client');
    // Keyed by the hash: the bucket map never holds a token.
    limited(perToken.take(hashPushToken(token), now), 'this push URL');
    const signal = signalOf(ctx.params);
    await readBody(ctx.req, MAX_PUSH_BODY_BYTES);
    const outcome = PUSH_TOKEN_FORM.test(token) ? await deps.handle.push(token, signal) : ({ ok: false, reason: 'unknown_token' } as const);
    if (!outcome.ok && outcome.reason === 'rate_limited') limited(outcome.waitMs, 'this push URL across the cluster');
    if (!outcome.ok && outcome.reason === 'store_unavailable') {
      // many nodes: the push could not be kept for the node that judges the target
      throw new ApiError(503, 'not_ready', 'the push could not be recorded: the store is not reachable; retry', undefined, { 'retry-after': '5' });
    }
    if (!outcome.ok) throw new ApiError(404, 'not_found', 'no heartbeat target has this push token (a rotated token stops working at once)');
    sendJson(ctx.res, 200, { ok: true, signal: signal.type === 'exit' ? (signal.code === 0 ? 'success' : 'fail') : signal.type, recorded: outcome.recorded });
  };

  const routes = (path: string, signalOf: (params: RequestContext['params']) => PushSignal): Route[] =>
    (['GET', 'POST'] as const).map((method) => ({ method, path: `${PUSH_PREFIX}{token}${path}`, isPublic: true, handler: handle(signalOf) }));
  return [
    ...routes('', () => ({ type: 'success' })),
    ...routes('/start', () => ({ type: 'start' })),
    ...routes('/fail', () => ({ type: 'fail' })),
    ...routes('/{code}', (params) => ({ type: 'exit', code: exitCode(params.code ?? '') })),
  ];
}

function exitCode(text: string): number {
  const code = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(code >= 0 && code <= 255)) throw new ApiError(404, 'not_found', 'expected /push/{token}, /start, /fail or an exit code from 0 to 255 after the token');
  return code;
}

function limited(waitMs: number, who: string): void {
  if (waitMs === 0) return;
  const seconds = Math.max(1, Math.ceil(waitMs / 1_000));
  throw new ApiError(429, 'rate_limited', `too many pushes from ${who}; retry in ${seconds} s`, undefined, { 'retry-after': String(seconds) });
}
