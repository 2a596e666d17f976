import { z } from 'zod';
import { StoreInputError, UPTIME_WINDOW_MS, type IncidentQuery, type UptimeWindow } from '../../storage/store.js';
import { ApiError, notFound } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';
import { sendJson } from '../http-io.js';
import type { Route } from '../router.js';
import { limitParam, parseOrThrow, queryObject, timeParam } from '../validation.js';
import { probeLoadFlags } from './target-routes.js';
import { redactResult, redactText } from '../../domain/redact.js';

const API = '/api/v1';
const DAY_MS = 86_400_000;
const WINDOWS = Object.keys(UPTIME_WINDOW_MS) as [UptimeWindow, ...UptimeWindow[]];

const resultsQuerySchema = z.strictObject({
  from: timeParam.optional(),
  to: timeParam.optional(),
  limit: limitParam.optional(),
  cursor: z.string().min(1).optional(),
});
const uptimeQuerySchema = z.strictObject({ window: z.enum(WINDOWS).optional() });
const latencyQuerySchema = z.strictObject({ window: z.enum(WINDOWS).optional() });
const incidentQuerySchema = z.strictObject({
  state: z.enum(['open', 'closed', 'all']).optional(),
  limit: limitParam.optional(),
  cursor: z.string().min(1).optional(),
});

/**
 * The id of a target that exists, or existed and still has stored history (a deleted
 * target's results and incidents stay until retention, and stay reachable here).
 */
async function historyId(deps: ApiDeps, params: Readonly<Record<string, string>>): Promise<string> {
  const id = params.id ?? '';
  if (deps.handle.getTarget(id) !== undefined) return id;
  const { store, syncTargets } = deps.handle;
  // many nodes: a target just created through another node, not yet in this node's set
  if (syncTargets !== undefined && (await syncTargets().then(() => true, () => false)) && deps.handle.getTarget(id) !== undefined) return id;
  const known = await storeCall(async () => {
    if ((await store.listIncidents({ targetId: id, state: 'all', limit: 1 })).items.length > 0) return true;
    return (await store.queryResults({ targetId: id, fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, limit: 1 })).items.length > 0;
  }).catch(() => false);
  if (!known) throw notFound(`target ${JSON.stringify(id)}`);
  return id;
}

/** Results, uptime, latency and incidents: read-only queries of the store. */
export function historyRoutes(deps: ApiDeps): Route[] {
  const { store } = deps.handle;
  const route = (path: string, handler: Route['handler']): Route => ({ method: 'GET', path: `${API}${path}`, isPublic: false, handler });
  return [
    route('/targets/{id}/results', async ({ res, params, query }) => {
      const id = await historyId(deps, params);
      const q = parseOrThrow(resultsQuerySchema, queryObject(query), 'query');
      const toMs = q.to ?? deps.now() + 1;
      const fromMs = q.from ?? toMs - DAY_MS;
      if (fromMs > toMs) throw new ApiError(400, 'invalid_query', `from: must not be after to (${fromMs} > ${toMs})`, 'from');
      const page = await storeCall(() => store.queryResults({ targetId: id, fromMs, toMs, limit: q.limit ?? 100, cursor: q.cursor ?? null }));
      // redacted on read too: rows stored before results were redacted at write may hold credentials
      const items = page.items.map((item) => ({ ...item, result: redactResult(item.result), ...probeLoadFlags(item.schedulingLagMs, item.loopDelayMs) }));
      sendJson(res, 200, { targetId: id, fromMs, toMs, items, nextCursor: page.nextCursor });
    }),
    route('/targets/{id}/uptime', async ({ res, params, query }) => {
      const id = await historyId(deps, params);
      const q = parseOrThrow(uptimeQuerySchema, queryObject(query), 'query');
      const nowMs = deps.now();
      const windows = q.window === undefined ? WINDOWS : [q.window];
      const summaries = await Promise.all(windows.map((w) => storeCall(() => store.uptime(id, w, nowMs))));
      sendJson(res, 200, { targetId: id, windows: Object.fromEntries(windows.map((w, i) => [w, summaries[i]])) });
    }),
    route('/targets/{id}/latency', async ({ res, params, query }) => {
      const id = await historyId(deps, params);
      const q = parseOrThrow(latencyQuerySchema, queryObject(query), 'query');
      const window = q.window ?? '24h';
      const nowMs = deps.now();
      const summary = await storeCall(() => store.latency(id, nowMs - UPTIME_WINDOW_MS[window], nowMs + 1));
      sendJson(res, 200, { window, ...summary });
    }),
    route('/incidents', async ({ res, query }) => {
      const q = parseOrThrow(incidentQuerySchema, queryObject(query), 'query');
      sendJson(res, 200, await incidentPage(deps, q));
    }),
    route('/targets/{id}/incidents', async ({ res, params, query }) => {
      const id = await historyId(deps, params);
      const q = parseOrThrow(incidentQuerySchema, queryObject(query), 'query');
      sendJson(res, 200, await incidentPage(deps, { ...q, targetId: id }));
    }),
  ];
}

async function incidentPage(deps: ApiDeps, q: IncidentQuery): Promise<unknown> {
  const page = await storeCall(() => deps.handle.store.listIncidents({ state: q.state ?? 'all', limit: q.limit ?? 100, cursor: q.cursor ?? null, ...(q.targetId === undefined ? {} : { targetId: q.targetId }) }));
  // an incident stored before details were redacted at write keeps the raw text: redact on read
  return { items: page.items.map((i) => (i.lastDetail === null ? i : { ...i, lastDetail: redactText(i.lastDetail) })), nextCursor: page.nextCursor };
}

/** A store refusing our input (a stale or forged cursor) is the client's mistake: 400. */
export async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StoreInputError) throw new ApiError(400, 'invalid_query', `${err.field}: ${err.message}`, err.field);
    throw err;
  }
}
