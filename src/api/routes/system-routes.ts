import type { ApiDeps } from '../api-deps.js';
import { sendJson, sendText } from '../http-io.js';
import type { Route } from '../router.js';
import { buildOpenApiDocument } from '../openapi.js';

/**
 * Health, readiness, metrics and the OpenAPI document (the status pages: status-page-routes.ts).
 * The status pages, /healthz, /readyz and /metrics are public (no token): they show no secrets, and
 * Prometheus and load balancers scrape them without credentials. See docs/api.md.
 */
export function systemRoutes(deps: ApiDeps): Route[] {
  const open = (path: string, handler: Route['handler']): Route => ({ method: 'GET', path, isPublic: true, handler });
  return [
    open('/healthz', ({ res }) => sendJson(res, 200, { status: 'ok' })),
    open('/readyz', ({ res }) => {
      const r = deps.handle.readiness();
      const regions = r.regionsWithoutLiveNode === undefined ? {} : { regionsWithoutLiveNode: r.regionsWithoutLiveNode };
      sendJson(res, r.ready ? 200 : 503, r.ready ? { status: 'ready', reasons: [], ...regions } : { status: 'not_ready', reasons: r.reasons, ...regions });
    }),
    open('/metrics', async ({ res }) => sendText(res, 200, deps.metrics.contentType, await deps.metrics.render())),
    { method: 'GET', path: '/api/v1/openapi.json', isPublic: true, handler: ({ res }) => sendJson(res, 200, buildOpenApiDocument()) },
    { method: 'GET', path: '/api/v1/stats', isPublic: false, handler: ({ res }) => sendJson(res, 200, deps.handle.stats()) },
  ];
}
