import { z } from 'zod';
import { probeLoadReasons, type ProbeLoadReason } from '../../domain/probe-load.js';
import { CHECK_KINDS } from '../../domain/check-spec.js';
import { targetInputSchema } from '../../config/target-definition.js';
import type { TargetMutation, TargetView } from '../../daemon/daemon-handle.js';
import { ApiError, notFound } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';
import { readJsonBody, sendJson } from '../http-io.js';

/** A batch body may be larger than one target's (64 KiB): 1 MiB. */
const MAX_BATCH_BODY_BYTES = 1024 * 1024;
import { targetJson } from '../target-json.js';
import type { RequestContext, Route } from '../router.js';
import { fieldErrorsToApiError, limitParam, parseOrThrow, queryObject } from '../validation.js';
import { buildPatchedInput } from './target-patch.js';
import { synced as syncedWith } from '../shared-reads.js';

const API = '/api/v1';

const listQuerySchema = z.strictObject({
  tag: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  enabled: z.enum(['true', 'false']).optional(),
  source: z.enum(['config', 'api']).optional(),
  kind: z.enum(CHECK_KINDS).optional(),
  limit: limitParam.optional(),
  cursor: z.string().min(1).max(200).optional(),
});

const DEFAULT_PAGE_SIZE = 100;
/** Items in one batch: a big import is a few calls, and one call cannot hold the API for long. */
const MAX_BATCH_ITEMS = 500;

const batchSchema = z.strictObject({ items: z.array(z.unknown()).min(1).max(MAX_BATCH_ITEMS) });

type BatchOutcome = { index: number; status: 201; target: Record<string, unknown> } | { index: number; status: number; error: ReturnType<ApiError['toBody']>['error'] };

/** An opaque page cursor: the last id of the page, so a page is stable while targets change. */
function encodeCursor(id: string): string {
  return Buffer.from(`t1:${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('t1:') || text.length === 3) throw new ApiError(400, 'invalid_query', 'cursor: not a cursor this API issued; pass nextCursor back unchanged', 'cursor');
  return text.slice(3);
}

/**
 * PATCH body: the create shape with every field optional; `check` is merged, then
 * re-validated. `regions: null` and `quorum: null` remove the field (RFC 7396): the target
 * goes back to every region with a live node, majority.
 */
export const targetPatchSchema = targetInputSchema
  .extend({ check: z.record(z.string(), z.unknown()), quorum: targetInputSchema.shape.quorum.unwrap().nullable() })
  .partial();

export function targetRoutes(deps: ApiDeps): Route[] {
  const { handle } = deps;
  const json = (view: TargetView) => targetJson(view, handle.stats().cluster);
  const route = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path: `${API}${path}`, isPublic: false, handler });
  // many nodes: answer from the shared store's target set (shared-reads.ts)
  const synced = (handler: Route['handler']): Route['handler'] => syncedWith(handle, handler);
  return [
    route('GET', '/targets', synced(({ res, query }) => {
      const q = parseOrThrow(listQuerySchema, queryObject(query), 'query');
      const tags = q.tag === undefined ? [] : Array.isArray(q.tag) ? q.tag : [q.tag];
      const items = handle
        .listTargets()
        .filter((t) => tags.every((tag) => t.tags.includes(tag)))
        .filter((t) => q.enabled === undefined || String(t.enabled) === q.enabled)
        .filter((t) => q.source === undefined || t.source === q.source)
        .filter((t) => q.kind === undefined || t.spec.kind === q.kind);
      // Ordered by id; a page starts after the cursor's id, so targets added or removed
      // meanwhile never shift a page (each id is listed at most once).
      items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const after = q.cursor === undefined ? null : decodeCursor(q.cursor);
      const start = after === null ? 0 : items.findIndex((t) => t.id > after);
      const limit = q.limit ?? DEFAULT_PAGE_SIZE;
      const page = start < 0 ? [] : items.slice(start, start + limit);
      const last = page[page.length - 1];
      const nextCursor = last !== undefined && start + limit < items.length ? encodeCursor(last.id) : null;
      const cluster = handle.stats().cluster;
      sendJson(res, 200, { items: page.map((t) => targetJson(t, cluster)), total: items.length, nextCursor });
    })),
    route('POST', '/targets/test', async ({ req, res }) => {
      const body = parseOrThrow(targetInputSchema, await readJsonBody(req), 'body');
      const outcome = await handle.testSpec(body);
      if (!outcome.ok) throw fieldErrorsToApiError(outcome.errors);
      sendJson(res, 200, { result: outcome.result });
    }),
    route('POST', '/targets', synced(async ({ req, res }) => {
      const body = parseOrThrow(targetInputSchema, await readJsonBody(req), 'body');
      const outcome = await handle.createTarget(body);
      const view = mutationOrThrow(outcome);
      sendJson(res, 201, { ...json(view), ...pushTokenJson(outcome) }, { location: `${API}/targets/${encodeURIComponent(view.id)}` });
    })),
    // Per item, not all-or-nothing: each item is validated and created on its own (a refused
    // item changes nothing); the answer lists every item's outcome in input order.
    route('POST', '/targets:batch', synced(async ({ req, res }) => {
      const { items } = parseOrThrow(batchSchema, await readJsonBody(req, MAX_BATCH_BODY_BYTES), 'body');
      const results: BatchOutcome[] = [];
      for (const [index, item] of items.entries()) {
        try {
          const body = parseOrThrow(targetInputSchema, item, 'body');
          const outcome = await handle.createTarget(body);
          results.push({ index, status: 201, target: { ...json(mutationOrThrow(outcome)), ...pushTokenJson(outcome) } });
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          results.push({ index, status: err.status, error: err.toBody().error });
        }
      }
      const created = results.filter((r) => r.status === 201).length;
      sendJson(res, 200, { created, refused: results.length - created, results });
    })),
    route('GET', '/targets/{id}', synced(({ res, params }) => {
      sendJson(res, 200, json(existing(deps, params)));
    })),
    route('PUT', '/targets/{id}', synced(async ({ req, res, params }) => {
      const id = existing(deps, params).id;
      const body = parseOrThrow(targetInputSchema, await readJsonBody(req), 'body');
      sameId(id, body.id);
      sendJson(res, 200, json(mutationOrThrow(await handle.updateTarget(id, { ...body, id }))));
    })),
    route('PATCH', '/targets/{id}', synced(async (ctx) => {
      const id = existing(deps, ctx.params).id;
      const patch = parseOrThrow(targetPatchSchema, await readJsonBody(ctx.req), 'body');
      sameId(id, patch.id);
      const input = await buildPatchedInput(deps, id, patch);
      sendJson(ctx.res, 200, json(mutationOrThrow(await handle.updateTarget(id, input))));
    })),
    route('DELETE', '/targets/{id}', synced(async ({ res, params }) => {
      const id = existing(deps, params).id;
      mutationOrThrow(await handle.deleteTarget(id));
      res.writeHead(204, { 'cache-control': 'no-store' }).end();
    })),
    route('POST', '/targets/{id}/push-token', synced(async ({ res, params }) => {
      const id = existing(deps, params).id;
      const outcome = await handle.rotatePushToken(id);
      sendJson(res, 200, { ...json(mutationOrThrow(outcome)), ...pushTokenJson(outcome) });
    })),
    route('POST', '/targets/{id}/check', synced(async ({ res, params }) => {
      const target = existing(deps, params);
      if (target.spec.kind === 'heartbeat') {
        throw new ApiError(409, 'conflict', 'a heartbeat target is pushed to, not polled: there is nothing to run (its job calls /push/{token})', 'kind');
      }
      const id = target.id;
      const event = await handle.checkNow(id);
      if (event === undefined) throw notFound(`target ${JSON.stringify(id)}`);
      sendJson(res, 200, { ...event, ...probeLoadFlags(event.schedulingLagMs, event.eventLoopDelayMs) });
    })),
  ];
}

/**
 * A result's probe-load flags as the API shows them (one definition: domain/probe-load.ts):
 * `probeDegraded` when the check started late or the probe's event loop was behind, and why.
 */
export function probeLoadFlags(schedulingLagMs: number, loopDelayMs: number): { probeDegraded: boolean; probeDegradedReasons: ProbeLoadReason[] } {
  const reasons = probeLoadReasons(schedulingLagMs, loopDelayMs);
  return { probeDegraded: reasons.length > 0, probeDegradedReasons: reasons };
}

/**
 * A heartbeat's new push token and its path, in the answer that made it: the only time it is
 * shown (the daemon keeps its hash). Absent for every other answer.
 */
function pushTokenJson(outcome: TargetMutation): { pushToken?: string; pushPath?: string } {
  if (!outcome.ok || outcome.pushToken === undefined) return {};
  return { pushToken: outcome.pushToken, pushPath: `/push/${outcome.pushToken}` };
}

/** The target named by the path, or a 404. */
function existing(deps: ApiDeps, params: RequestContext['params']) {
  const id = params.id ?? '';
  const view = deps.handle.getTarget(id);
  if (view === undefined) throw notFound(`target ${JSON.stringify(id)}`);
  return view;
}

function sameId(pathId: string, bodyId: string | undefined): void {
  if (bodyId !== undefined && bodyId !== pathId) {
    throw new ApiError(400, 'invalid_field', `id: the body says ${JSON.stringify(bodyId)} but the path says ${JSON.stringify(pathId)}; ids cannot be changed`, 'id');
  }
}

function mutationOrThrow(outcome: TargetMutation) {
  if (outcome.ok) return outcome.target;
  switch (outcome.code) {
    case 'invalid':
      throw fieldErrorsToApiError(outcome.errors);
    case 'not_found':
      throw notFound('target');
    case 'conflict':
      throw fieldErrorsToApiError(outcome.errors, 'conflict', 409);
    case 'read_only':
      throw fieldErrorsToApiError(
        outcome.errors.length > 0 ? outcome.errors : [{ target: null, field: 'source', message: 'this target comes from the config file; edit the file and reload' }],
        'read_only',
        409,
      );
  }
}
