import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { StoreInputError, UPTIME_WINDOW_MS, type BucketUnit, type UptimeWindow } from '../../storage/store.js';
import { buildStatusModel } from '../../status-page/build-status-model.js';
import { buildTargetModel, CHART_WINDOWS, DEFAULT_CHART_WINDOW, type ChartWindow } from '../../status-page/build-target-model.js';
import { renderBadge, statusBadgeColor, uptimeBadgeColor } from '../../status-page/badge.js';
import { buildIncidentHistory, renderIncidentHistory } from '../../status-page/incident-history.js';
import { formatPct, renderErrorPage, stateLabel } from '../../status-page/page-shell.js';
import { renderStatusPage } from '../../status-page/render-status-page.js';
import { renderTargetPage } from '../../status-page/render-target-page.js';
import { stateOf } from '../../status-page/target-data.js';
import type { ApiDeps } from '../api-deps.js';
import { ApiError } from '../api-error.js';
import { sendText } from '../http-io.js';
import { STORE_AWAY_RETRY_AFTER_S, syncShared } from '../shared-reads.js';
import type { Route } from '../router.js';

/** a page's query is a few short parameters; a store cursor is well under this */
const MAX_PARAM_CHARS = 512;
const BADGE_MAX_AGE_S = 60;
const BAR_UNITS: Readonly<Record<string, BucketUnit>> = { daily: 'day', hourly: 'hour' };

/** A bad query parameter or an unknown target: the page (or badge) answers with this status and text. */
class PageProblem extends Error {
  constructor(
    readonly status: 400 | 404 | 503,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The public status pages and badges (no token, nothing secret on them): the overview, a
 * page per target, the incident history and SVG badges for a README. Pages answer a bad
 * value of a parameter they take with a 400 page naming it (unknown parameters are ignored)
 * and an unknown target with a 404 page; badges answer
 * every problem with an SVG (an <img> always draws something) and the same status codes.
 */
export function statusPageRoutes(deps: ApiDeps): Route[] {
  const page = (path: string, render: (ctx: Parameters<Route['handler']>[0]) => Promise<string>): Route => ({
    method: 'GET',
    path,
    isPublic: true,
    handler: async (ctx) => {
      try {
        await syncShared(deps.handle);
        sendText(ctx.res, 200, 'text/html; charset=utf-8', await render(ctx));
      } catch (err) {
        const problem = asProblem(err);
        sendText(ctx.res, problem.status, 'text/html; charset=utf-8', renderErrorPage(problem.status, problem.message, deps.now()), retryAfter(problem));
      }
    },
  });
  const badge = (path: string, render: (ctx: Parameters<Route['handler']>[0]) => Promise<string>): Route => ({
    method: 'GET',
    path,
    isPublic: true,
    handler: async (ctx) => {
      try {
        await syncShared(deps.handle);
        sendSvg(ctx.res, 200, await render(ctx), ctx.req.headers['if-none-match']);
      } catch (err) {
        const problem = asProblem(err);
        sendSvg(ctx.res, problem.status, renderBadge('vigil', BADGE_PROBLEM_TEXT[problem.status], 'grey', problem.message), undefined, retryAfter(problem));
      }
    },
  });
  const targetOf = (id: string | undefined) => {
    const t = deps.handle.getTarget(id ?? '');
    if (t === undefined) throw new PageProblem(404, `No target with id ${JSON.stringify(id ?? '')}.`);
    return t;
  };
  return [
    page('/', async ({ query }) => {
      const q = readQuery(query, ['bars']);
      return renderStatusPage(await buildStatusModel(deps.handle, deps.latest, { title: 'Vigil status', nowMs: deps.now(), unit: barUnit(q.bars) }));
    }),
    page('/incidents', async ({ query }) => {
      const q = readQuery(query, ['cursor']);
      return renderIncidentHistory(await buildIncidentHistory(deps.handle, q.cursor ?? null, deps.now()));
    }),
    page('/status/{id}', async ({ params, query }) => {
      const q = readQuery(query, ['bars', 'window']);
      const t = targetOf(params.id);
      const chartWindow = oneOf<ChartWindow>('window', q.window, Object.keys(CHART_WINDOWS) as ChartWindow[]) ?? DEFAULT_CHART_WINDOW;
      return renderTargetPage(await buildTargetModel(deps.handle, deps.latest, t, { nowMs: deps.now(), unit: barUnit(q.bars), chartWindow }));
    }),
    badge('/badge/{id}/status.svg', async ({ params, query }) => {
      readQuery(query, []);
      const t = targetOf(params.id);
      const nowMs = deps.now();
      const newest = deps.latest.get(t.id)?.result ?? (await deps.handle.store.queryResults({ targetId: t.id, fromMs: nowMs - 7 * 86_400_000, toMs: nowMs + 1, limit: 1 })).items[0]?.result ?? null;
      const state = stateOf(t, newest);
      const inMaintenance = deps.handle.maintenance.current().openFor(t, nowMs) !== null;
      return renderBadge(t.name, inMaintenance ? 'maintenance' : stateLabel(state), statusBadgeColor(state, inMaintenance));
    }),
    badge('/badge/{id}/uptime.svg', async ({ params, query }) => {
      const q = readQuery(query, ['window']);
      const window = oneOf<UptimeWindow>('window', q.window, Object.keys(UPTIME_WINDOW_MS) as UptimeWindow[]) ?? '30d';
      const t = targetOf(params.id);
      const summary = await deps.handle.store.uptime(t.id, window, deps.now());
      const pct = summary.uptimePct;
      return renderBadge(`uptime ${window}`, pct === null ? 'no data' : `${formatPct(pct)}%`, uptimeBadgeColor(pct), `${t.name}: uptime ${window} ${pct === null ? 'no data' : `${formatPct(pct)}%`} (maintenance left out)`);
    }),
  ];
}

const BADGE_PROBLEM_TEXT: Readonly<Record<PageProblem['status'], string>> = { 400: 'bad request', 404: 'not found', 503: 'unavailable' };

function asProblem(err: unknown): PageProblem {
  if (err instanceof PageProblem) return err;
  // many nodes, the shared store away (shared-reads.ts): a page, not a JSON body
  if (err instanceof ApiError && err.status === 503) return new PageProblem(503, 'The status data cannot be read right now; try again in a few seconds.');
  // a forged or stale cursor is the visitor's mistake
  if (err instanceof StoreInputError) return new PageProblem(400, `Query parameter "cursor": ${err.message}`);
  throw err;
}

/**
 * The page's own parameters as single values. Parameters it does not know are ignored, as
 * every web page does: links from newsletters and social sites carry `utm_source`, `fbclid`
 * and the like (docs/api.md, "Status page"). One it knows is checked strictly: repeated or
 * over-long is a 400 naming it (and a bad value, in oneOf). The JSON API stays strict.
 */
function readQuery(query: URLSearchParams, known: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of known) {
    if (!query.has(key)) continue;
    const values = query.getAll(key);
    if (values.length > 1) throw new PageProblem(400, `Query parameter "${key}" is given ${values.length} times; give it once.`);
    const value = values[0] ?? '';
    if (value.length > MAX_PARAM_CHARS) throw new PageProblem(400, `Query parameter "${key}" is longer than ${MAX_PARAM_CHARS} characters.`);
    out[key] = value;
  }
  return out;
}

function oneOf<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new PageProblem(400, `Query parameter "${name}": expected one of ${choices.join(', ')}, got ${JSON.stringify(value.slice(0, 64))}.`);
}

function barUnit(value: string | undefined): BucketUnit {
  const name = oneOf('bars', value, Object.keys(BAR_UNITS));
  return name === undefined ? 'day' : (BAR_UNITS[name] ?? 'day');
}

function retryAfter(problem: PageProblem): Record<string, string> {
  return problem.status === 503 ? { 'retry-after': String(STORE_AWAY_RETRY_AFTER_S) } : {};
}

/** A badge: cacheable for a minute (200 only), with an ETag so a proxy can revalidate cheaply. */
function sendSvg(res: ServerResponse, status: number, svg: string, ifNoneMatch: string | undefined, headers: Record<string, string> = {}): void {
  const etag = `"${createHash('sha256').update(svg).digest('base64url').slice(0, 22)}"`;
  const cache = status === 200 ? `public, max-age=${BADGE_MAX_AGE_S}` : 'no-store';
  if (status === 200 && ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    res.writeHead(304, { etag, 'cache-control': cache });
    res.end();
    return;
  }
  res.writeHead(status, {
    'content-type': 'image/svg+xml; charset=utf-8',
    'content-length': Buffer.byteLength(svg),
    'cache-control': cache,
    ...(status === 200 ? { etag } : {}),
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(svg);
}
