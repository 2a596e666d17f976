import { z } from 'zod';
import type { WindowMutation } from '../../daemon/maintenance-window-host.js';
import type { MaintenanceWindow } from '../../maintenance-windows/maintenance-window.js';
import { windowToInput } from '../../maintenance-windows/maintenance-window.js';
import type { MaintenanceWindowSet } from '../../maintenance-windows/window-set.js';
import { notFound } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';
import { readJsonBody, sendJson } from '../http-io.js';
import { synced } from '../shared-reads.js';
import type { Route } from '../router.js';
import { fieldErrorsToApiError, parseOrThrow, queryObject } from '../validation.js';

const API = '/api/v1';
const DAY_MS = 86_400_000;
/** occurrences listed per window */
const NEXT_SHOWN = 5;
const listQuerySchema = z.strictObject({ target: z.string().min(1).max(128).optional() });

/** The JSON form: the definition as given, plus whether it is open now and when it next opens. */
function windowJson(window: MaintenanceWindow, set: MaintenanceWindowSet, nowMs: number): Record<string, unknown> {
  const compiled = set.upcomingOf(window.id, nowMs, nowMs + 366 * DAY_MS, NEXT_SHOWN);
  const open = compiled.find((o) => o.startMs <= nowMs) ?? null;
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    ...windowToInput(window),
    source: window.source,
    kind: window.timing.type === 'once' ? 'one_off' : 'recurring',
    openNow: open !== null,
    openUntil: open === null ? null : iso(open.endMs),
    next: compiled.filter((o) => o.startMs > nowMs).map((o) => ({ from: iso(o.startMs), to: iso(o.endMs) })),
  };
}

/** Maintenance windows: list, read, and (API windows only) create, replace, delete. */
export function maintenanceWindowRoutes(deps: ApiDeps): Route[] {
  const port = deps.handle.maintenance;
  // many nodes: the windows (and targets) are the shared store's, as of after the request arrived
  const route = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path: `${API}${path}`, isPublic: false, handler: synced(deps.handle, handler) });
  const existing = (id: string): MaintenanceWindow => {
    const window = port.current().windows().find((w) => w.id === id);
    if (window === undefined) throw notFound(`maintenance window ${JSON.stringify(id)}`);
    return window;
  };
  return [
    route('GET', '/maintenance-windows', ({ res, query }) => {
      const q = parseOrThrow(listQuerySchema, queryObject(query), 'query');
      const set = port.current();
      const target = q.target === undefined ? undefined : deps.handle.getTarget(q.target);
      if (q.target !== undefined && target === undefined) throw notFound(`target ${JSON.stringify(q.target)}`);
      const items = set.windows().filter((w) => target === undefined || set.covers(w.id, target));
      const nowMs = deps.now();
      sendJson(res, 200, { items: items.map((w) => windowJson(w, set, nowMs)), total: items.length });
    }),
    route('POST', '/maintenance-windows', async ({ req, res }) => {
      const window = mutationOrThrow(await port.create(await readJsonBody(req)));
      sendJson(res, 201, windowJson(window, port.current(), deps.now()), { location: `${API}/maintenance-windows/${encodeURIComponent(window.id)}` });
    }),
    route('GET', '/maintenance-windows/{id}', ({ res, params }) => {
      sendJson(res, 200, windowJson(existing(params.id ?? ''), port.current(), deps.now()));
    }),
    route('PUT', '/maintenance-windows/{id}', async ({ req, res, params }) => {
      const id = existing(params.id ?? '').id;
      const body = await readJsonBody(req);
      const input = body !== null && typeof body === 'object' && !Array.isArray(body) && !('id' in body) ? { ...body, id } : body;
      const window = mutationOrThrow(await port.replace(id, input));
      sendJson(res, 200, windowJson(window, port.current(), deps.now()));
    }),
    route('DELETE', '/maintenance-windows/{id}', async ({ res, params }) => {
      mutationOrThrow(await port.delete(existing(params.id ?? '').id));
      res.writeHead(204, { 'cache-control': 'no-store' }).end();
    }),
  ];
}

function mutationOrThrow(outcome: WindowMutation): MaintenanceWindow {
  if (outcome.ok) return outcome.window;
  switch (outcome.code) {
    case 'invalid':
      throw fieldErrorsToApiError(outcome.errors);
    case 'not_found':
      throw notFound('maintenance window');
    case 'conflict':
      throw fieldErrorsToApiError(outcome.errors, 'conflict', 409);
    case 'read_only':
      throw fieldErrorsToApiError(outcome.errors, 'read_only', 409);
  }
}
