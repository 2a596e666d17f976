import { z } from 'zod';
import { CHANNEL_NAME } from '../../config/channel-config.js';
import type { AlertDelivery } from '../../storage/store.js';
import { ApiError, notFound } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';
import { sendJson } from '../http-io.js';
import type { Route } from '../router.js';
import { limitParam, parseOrThrow, queryObject } from '../validation.js';
import { storeCall } from './history-routes.js';

const API = '/api/v1';
const deliveriesQuerySchema = z.strictObject({
  state: z.enum(['pending', 'delivered', 'failed']).optional(),
  limit: limitParam.optional(),
  cursor: z.string().min(1).max(512).optional(),
});

/**
 * A delivery as the API shows it: the outbox row without its payload (the event is named by
 * type and target). `isTest` marks a `POST …/test` delivery (event type `test`), never an
 * incident alert.
 */
function deliveryJson(d: AlertDelivery): Record<string, unknown> {
  return { id: d.id, channel: d.channel, eventType: d.eventType, isTest: d.eventType === 'test', targetId: d.targetId, state: d.state, attempts: d.attempts, lastError: d.lastError, createdAt: d.createdAt, nextAttemptAt: d.nextAttemptAt, updatedAt: d.updatedAt };
}

/**
 * Alert channels (webhooks included): the list, a test alert (admin: POST), and each channel's
 * delivery log — the outbox rows, newest first, paged. Names only; never a URL or secret.
 */
export function alertRoutes(deps: ApiDeps): Route[] {
  const route = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path: `${API}${path}`, isPublic: false, handler });
  const channelName = (raw: string | undefined): string => {
    const name = raw ?? '';
    if (!CHANNEL_NAME.test(name)) throw new ApiError(400, 'invalid_field', 'name: expected 1-64 letters, digits, ".", "_" or "-"', 'name');
    if (!deps.handle.alerts.channels().some((c) => c.webhook === name)) throw notFound(`alert channel ${JSON.stringify(name)}`);
    return name;
  };
  return [
    route('GET', '/alerts', ({ res }) => {
      const items = deps.handle.alerts.channels().map(({ webhook, ...rest }) => ({ name: webhook, ...rest }));
      sendJson(res, 200, { items, total: items.length });
    }),
    route('POST', '/alerts/{name}/test', async ({ res, params }) => {
      const outcome = await deps.handle.alerts.test(channelName(params.name));
      if (outcome === undefined) throw notFound(`alert channel ${JSON.stringify(params.name)}`);
      if (outcome === 'busy') throw new ApiError(429, 'rate_limited', 'a test of this channel is still running; retry when it has answered', undefined, { 'retry-after': '1' });
      sendJson(res, 200, outcome);
    }),
    route('GET', '/alerts/{name}/deliveries', async ({ res, params, query }) => {
      const name = channelName(params.name);
      const q = parseOrThrow(deliveriesQuerySchema, queryObject(query), 'query');
      const page = await storeCall(() => deps.handle.store.listAlertDeliveries({ channel: name, limit: q.limit ?? 100, cursor: q.cursor ?? null, ...(q.state === undefined ? {} : { state: q.state }) }));
      sendJson(res, 200, { items: page.items.map(deliveryJson), nextCursor: page.nextCursor });
    }),
  ];
}
