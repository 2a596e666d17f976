import { CHECK_KINDS } from '../domain/check-spec.js';
import { UPTIME_WINDOW_MS } from '../storage/store.js';
import { COMPONENT_SCHEMAS } from './openapi-schemas.js';

/**
 * The OpenAPI 3.1 document served at /api/v1/openapi.json. Written by hand (not generated
 * from the route table) so test/api/openapi.test.ts can check the two against each other.
 */
type Op = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: string, description: string) => ({ description, content: { 'application/json': { schema: ref(schema) } } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const nameParam = { name: 'name', in: 'path', required: true, description: 'the webhook or channel name from the config', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } };
const q = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const body = (schema: string) => ({ required: true, content: { 'application/json': { schema: ref(schema) } } });
const publicOp = { security: [] };
const htmlPage = (description: string) => ({ description, content: { 'text/html': {} } });
const svgBadge = (description: string) => ({ description, content: { 'image/svg+xml': {} } });
const pageParams = [q('limit', '1..1000, default 100', { type: 'integer', minimum: 1, maximum: 1000 }), q('cursor', 'nextCursor of the previous page')];
const windowParam = q('window', `one of ${Object.keys(UPTIME_WINDOW_MS).join(', ')}`, { enum: Object.keys(UPTIME_WINDOW_MS) });
const incidentParams = [q('state', 'open, closed or all (default)', { enum: ['open', 'closed', 'all'] }), ...pageParams];

const paths: Record<string, Record<string, Op>> = {
  '/': {
    get: {
      summary: 'Status page (HTML): every target with 90 daily (or hourly) bars, uptime over 24 h/7 d/30 d/90 d, recent incidents',
      ...publicOp,
      parameters: [q('bars', 'daily (default) or hourly', { enum: ['daily', 'hourly'] })],
      responses: { '200': htmlPage('HTML status page'), '400': htmlPage('a bad value of a parameter the page takes, named (unknown parameters such as utm_source are ignored)') },
    },
  },
  '/status/{id}': {
    get: {
      summary: "A target's page (HTML): state, uptime, bars, latency by phase over a window, certificate, incidents",
      ...publicOp,
      parameters: [idParam, q('bars', 'daily (default) or hourly', { enum: ['daily', 'hourly'] }), q('window', 'latency chart window, default 24h', { enum: ['1h', '6h', '24h', '7d', '30d', '90d'] })],
      responses: { '200': htmlPage('HTML target page'), '400': htmlPage('a bad value of a parameter the page takes, named (unknown parameters such as utm_source are ignored)'), '404': htmlPage('no such target') },
    },
  },
  '/incidents': {
    get: {
      summary: 'Incident history (HTML), 50 per page, open ones first, then newest first',
      ...publicOp,
      parameters: [q('cursor', 'the "Older incidents" link of the previous page')],
      responses: { '200': htmlPage('HTML incident history'), '400': htmlPage('a bad or repeated cursor (unknown parameters are ignored)') },
    },
  },
  '/badge/{id}/status.svg': {
    get: {
      summary: "Badge (SVG) with the target's current state; Cache-Control max-age=60 and an ETag",
      ...publicOp,
      parameters: [idParam],
      responses: { '200': svgBadge('the badge'), '304': { description: 'If-None-Match matched the ETag' }, '400': svgBadge('a bad value of a parameter the badge takes (unknown parameters are ignored)'), '404': svgBadge('"not found" badge: no such target') },
    },
  },
  '/badge/{id}/uptime.svg': {
    get: {
      summary: 'Badge (SVG) with the uptime over a window (maintenance left out); Cache-Control max-age=60 and an ETag',
      ...publicOp,
      parameters: [idParam, q('window', `one of ${Object.keys(UPTIME_WINDOW_MS).join(', ')}; default 30d`, { enum: Object.keys(UPTIME_WINDOW_MS) })],
      responses: { '200': svgBadge('the badge'), '304': { description: 'If-None-Match matched the ETag' }, '400': svgBadge('"bad request" badge; its title names the parameter'), '404': svgBadge('"not found" badge: no such target') },
    },
  },
  '/healthz': { get: { summary: 'Liveness: the process answers', ...publicOp, responses: { '200': json('Health', 'alive') } } },
  '/readyz': { get: { summary: 'Readiness: storage open and scheduler running', ...publicOp, responses: { '200': json('Health', 'ready'), '503': json('Health', 'not ready, with reasons') } } },
  '/metrics': { get: { summary: 'Prometheus metrics', ...publicOp, responses: { '200': { description: 'text exposition format 0.0.4', content: { 'text/plain': {} } } } } },
  '/api/v1/openapi.json': { get: { summary: 'This document', ...publicOp, responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } } } } },
  '/api/v1/stats': { get: { summary: 'Daemon counters (scheduler, pipeline, breakers, alert deliveries, probe health)', responses: { '200': json('DaemonStats', 'stats'), ...errors(401) } } },
  '/api/v1/targets': {
    get: {
      summary: 'List targets',
      parameters: [q('tag', 'repeatable; a target must carry every tag given'), q('enabled', 'true or false', { enum: ['true', 'false'] }), q('source', 'config or api', { enum: ['config', 'api'] }), q('kind', CHECK_KINDS.join(', '), { enum: [...CHECK_KINDS] }), ...pageParams],
      responses: { '200': json('TargetList', 'a page of targets, ordered by id'), ...errors(400, 401, 403, 421, 503) },
    },
    post: { summary: 'Create a target', requestBody: body('TargetInput'), responses: { '201': json('Target', 'created'), ...errors(400, 401, 403, 409, 413, 415, 421, 503) } },
  },
  '/api/v1/targets:batch': {
    post: {
      summary: 'Create up to 500 targets; per item, not all-or-nothing (a refused item changes nothing, the others are created)',
      requestBody: body('TargetBatch'),
      responses: { '200': json('TargetBatchResult', 'every item\'s outcome, in input order'), ...errors(400, 401, 403, 413, 415, 421, 503) },
    },
  },
  '/api/v1/targets/test': {
    post: { summary: 'Run a target definition once; nothing is stored', requestBody: body('TargetInput'), responses: { '200': json('TestResult', 'the check result'), ...errors(400, 401, 413, 415) } },
  },
  '/api/v1/targets/{id}': {
    get: { summary: 'Get a target', parameters: [idParam], responses: { '200': json('Target', 'the target'), ...errors(401, 404, 503) } },
    put: { summary: 'Replace a target (API targets only)', parameters: [idParam], requestBody: body('TargetInput'), responses: { '200': json('Target', 'updated'), ...errors(400, 401, 404, 409, 413, 415, 503) } },
    patch: { summary: 'Change some fields of a target (API targets only)', parameters: [idParam], requestBody: body('TargetPatch'), responses: { '200': json('Target', 'updated'), ...errors(400, 401, 404, 409, 413, 415, 503) } },
    delete: { summary: 'Delete a target (its history stays until retention)', parameters: [idParam], responses: { '204': { description: 'deleted' }, ...errors(401, 404, 409, 503) } },
  },
  '/api/v1/targets/{id}/check': {
    post: { summary: 'Check now, outside the schedule; the result is stored (not for heartbeat targets: 409)', parameters: [idParam], responses: { '200': json('ScheduledResult', 'the result'), ...errors(401, 404, 409, 503) } },
  },
  '/api/v1/targets/{id}/push-token': {
    post: {
      summary: "A new push token for an API heartbeat target, answered once as pushToken (the old one stops working at once); config targets take theirs from the file (409)",
      parameters: [idParam],
      responses: { '200': json('Target', 'the target with pushToken and pushPath'), ...errors(400, 401, 403, 404, 409, 503) },
    },
  },
  '/api/v1/targets/{id}/results': {
    get: {
      summary: 'Stored results, newest first, paged',
      parameters: [idParam, q('from', 'epoch ms or ISO-8601, inclusive; default to − 24 h'), q('to', 'epoch ms or ISO-8601, exclusive; default now'), ...pageParams],
      responses: { '200': json('ResultPage', 'a page of results'), ...errors(400, 401, 404) },
    },
  },
  '/api/v1/targets/{id}/uptime': { get: { summary: 'Uptime over 1h, 24h, 7d and 30d (or one window)', parameters: [idParam, windowParam], responses: { '200': json('Uptime', 'uptime per window'), ...errors(400, 401, 404) } } },
  '/api/v1/targets/{id}/latency': { get: { summary: 'Latency percentiles per phase over a window (default 24h)', parameters: [idParam, windowParam], responses: { '200': json('Latency', 'percentiles per phase'), ...errors(400, 401, 404) } } },
  '/api/v1/targets/{id}/incidents': { get: { summary: "A target's incidents, open first", parameters: [idParam, ...incidentParams], responses: { '200': json('IncidentPage', 'incidents'), ...errors(400, 401, 404) } } },
  '/api/v1/maintenance-windows': {
    get: { summary: 'Maintenance windows (config and API), each with openNow and its next occurrences', parameters: [q('target', 'only windows that cover this target id')], responses: { '200': json('MaintenanceWindowList', 'windows'), ...errors(400, 401, 404, 503) } },
    post: { summary: 'Create a maintenance window', requestBody: body('MaintenanceWindowInput'), responses: { '201': json('MaintenanceWindow', 'created'), ...errors(400, 401, 409, 413, 415, 503) } },
  },
  '/api/v1/maintenance-windows/{id}': {
    get: { summary: 'Get a maintenance window', parameters: [idParam], responses: { '200': json('MaintenanceWindow', 'the window'), ...errors(401, 404, 503) } },
    put: { summary: 'Replace a maintenance window (API windows only)', parameters: [idParam], requestBody: body('MaintenanceWindowInput'), responses: { '200': json('MaintenanceWindow', 'replaced'), ...errors(400, 401, 404, 409, 413, 415, 503) } },
    delete: { summary: 'Delete a maintenance window (API windows only); results already stored keep their inMaintenance flag', parameters: [idParam], responses: { '204': { description: 'deleted' }, ...errors(401, 404, 409, 503) } },
  },
  '/api/v1/incidents': { get: { summary: 'All incidents, open first', parameters: incidentParams, responses: { '200': json('IncidentPage', 'incidents'), ...errors(400, 401) } } },
  '/api/v1/alerts': { get: { summary: 'Alert channels (webhooks included): kind, routing, repeat interval, delivery counters; never a URL or secret', responses: { '200': json('AlertChannelList', 'channels'), ...errors(401) } } },
  '/api/v1/alerts/{name}/test': {
    post: {
      summary: 'Send one test alert to the channel now (one attempt, no retry; PagerDuty and Opsgenie: trigger then resolve); 200 with the outcome, delivered or not; written to the delivery log finished, isTest: true, not in the counters',
      parameters: [nameParam],
      responses: { '200': json('AlertTestOutcome', 'the attempt'), '429': json('Error', 'a test of this channel is still running (one at a time per channel); see Retry-After'), ...errors(400, 401, 403, 404) },
    },
  },
  '/api/v1/alerts/{name}/deliveries': {
    get: {
      summary: "The channel's delivery log (the alert outbox and its tests), oldest first",
      parameters: [nameParam, q('state', 'pending, delivered or failed (default all)', { enum: ['pending', 'delivered', 'failed'] }), ...pageParams],
      responses: { '200': json('AlertDeliveryPage', 'deliveries'), ...errors(400, 401, 404) },
    },
  },
};


const tokenParam = { name: 'token', in: 'path', required: true, description: 'the push token (the credential: no bearer token needed)', schema: { type: 'string' } };
const codeParam = { name: 'code', in: 'path', required: true, description: 'the exit code: 0 is a success, 1-255 a failure', schema: { type: 'integer', minimum: 0, maximum: 255 } };
const pushErrors = { '404': json('Error', 'no heartbeat target has this token (never echoed)'), '413': json('Error', 'body over 16 KiB'), '429': json('Error', 'too many pushes from this client or for this token; see Retry-After'), '503': json('Error', 'many nodes: the push could not be written to the store for the owning node; retry (Retry-After)') };
const pushOp = (summary: string, parameters: unknown[]) => ({ summary, ...publicOp, parameters, responses: { '200': json('PushAccepted', 'accepted'), ...pushErrors } });
const pushPath = (summary: string, parameters: unknown[] = [tokenParam]) => ({ get: pushOp(summary, parameters), post: pushOp(summary, parameters) });
const pushPaths: Record<string, Record<string, Op>> = {
  '/push/{token}': pushPath('Heartbeat: the job succeeded (docs/heartbeat.md); any body is read (16 KiB at most) and ignored'),
  '/push/{token}/start': pushPath('Heartbeat: the job started; it must end (success or fail) within the grace'),
  '/push/{token}/fail': pushPath('Heartbeat: the job failed (opens an incident at once)'),
  '/push/{token}/{code}': pushPath('Heartbeat: the job ended with this exit code', [tokenParam, codeParam]),
};

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request (bad JSON, wrong type, unknown or missing field, bad query)',
  401: 'missing or unknown bearer token',
  403: 'forbidden (a read-only token on a write) or cross_origin (a browser request from another origin)',
  404: 'no such target or route',
  409: 'conflict (duplicate id or name) or read-only (config) target',
  413: 'request body over 64 KiB (1 MiB for a batch)',
  415: 'body without Content-Type application/json',
  421: 'misdirected_host: a Host the daemon does not answer as (DNS-rebinding defence)',
  503: 'not_ready: many nodes, the shared store is not reachable, so the target set cannot be confirmed; retry (Retry-After)',
};

export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Vigil monitor API', version: '1.0.0', description: 'Targets, results, uptime, latency and incidents of a running `vigil serve`. See docs/api.md.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: { ...paths, ...pushPaths },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'required when the daemon is started with a token (always, beyond loopback)' } },
      schemas: COMPONENT_SCHEMAS,
      responses: Object.fromEntries(Object.entries(ERROR_TEXT).map(([code, description]) => [`E${code}`, json('Error', description)])),
    },
  };
}
