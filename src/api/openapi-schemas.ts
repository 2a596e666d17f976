import { CHECK_KINDS } from '../domain/check-spec.js';
import { DNS_RCODES, DNS_RECORD_TYPES } from '../domain/dns-check-spec.js';

/** JSON Schemas (OpenAPI 3.1 = JSON Schema 2020-12) for the document in openapi.ts. */
import { PHASES, timingKey } from '../domain/check-result.js';
import { UPTIME_WINDOW_MS } from '../storage/store.js';
import { MAX_TARGET_REGIONS, QUORUMS, REGION_FORM, REGION_VERDICTS } from '../domain/region.js';
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string): Schema => ({ type: [type, 'null'] });
const ms = { type: 'number', description: 'milliseconds' };
const nullableMs = { type: ['number', 'null'], description: 'milliseconds; null when the phase did not happen' };
/** domain/probe-load.ts: taken while the probe was saturated (its timings include the probe's own lag) */
const PROBE_LOAD_PROPERTIES = {
  probeDegraded: { type: 'boolean', description: 'the check started late or the probe event loop was behind: its timings include the probe\'s own lag' },
  probeDegradedReasons: { type: 'array', items: { enum: ['scheduling_lag', 'loop_delay'] } },
};

const statusRange = { type: 'object', additionalProperties: false, required: ['min', 'max'], properties: { min: { type: 'integer' }, max: { type: 'integer' } } };

const certExpiryProps: Schema = {
  certExpiryWarnDays: { type: 'integer', minimum: 0, maximum: 36500, default: 14, description: 'earliest expiry in the chain closer than this: degraded (cert_expiring_soon); 0 = off' },
  certExpiryCriticalDays: { type: 'integer', minimum: 0, maximum: 36500, default: 3, description: 'closer than this: down (cert_expiring_soon); at most certExpiryWarnDays; 0 = off' },
};

const httpCheckInput: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    kind: { const: 'http' },
    url: { type: 'string', format: 'uri' },
    method: { type: 'string', default: 'GET' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    body: nullable('string'),
    auth: {
      oneOf: [
        { type: 'null' },
        { type: 'object', additionalProperties: false, required: ['type', 'username', 'password'], properties: { type: { const: 'basic' }, username: { type: 'string' }, password: { type: 'string', writeOnly: true } } },
        { type: 'object', additionalProperties: false, required: ['type', 'token'], properties: { type: { const: 'bearer' }, token: { type: 'string', writeOnly: true } } },
      ],
    },
    expectStatus: { oneOf: [{ type: 'string', examples: ['200-299,304'] }, { type: 'integer' }, { type: 'array', items: statusRange }] },
    keyword: nullable('string'),
    bodyRegex: nullable('string'),
    followRedirects: { type: 'boolean' },
    maxRedirects: { type: 'integer', minimum: 0, maximum: 10 },
    degradedAfterMs: { type: ['integer', 'null'] },
    timeoutMs: { type: 'integer' },
    connectTimeoutMs: { type: 'integer' },
    verifyTls: { type: 'boolean' },
    connection: { enum: ['fresh', 'pooled'] },
    http2: { enum: ['alpn', 'prior-knowledge'] },
    ...certExpiryProps,
    conditions: { type: 'array', items: { type: 'string', maxLength: 1000 }, maxItems: 32, description: 'Gatus-style assertions, e.g. "[STATUS] == 200", "[BODY].status == UP" (docs/checks.md)' },
  },
};

const tcpCheckInput: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'host', 'port'],
  properties: {
    kind: { const: 'tcp' },
    host: { type: 'string' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    degradedAfterMs: { type: ['integer', 'null'] },
    timeoutMs: { type: 'integer' },
    connectTimeoutMs: { type: 'integer' },
    conditions: { type: 'array', items: { type: 'string', maxLength: 1000 }, maxItems: 32, description: '[CONNECTED] and [RESPONSE_TIME], e.g. "[CONNECTED] == false" for a port that must stay closed (docs/checks.md)' },
  },
};

const tlsCheckInput: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'host', 'port'],
  properties: {
    kind: { const: 'tls' },
    host: { type: 'string' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    servername: { type: ['string', 'null'], description: 'SNI and the name the certificate must cover; default the host (none for an IP literal)' },
    starttls: { enum: ['smtp', 'imap', 'pop3', null], description: 'speak this protocol\'s STARTTLS before the handshake' },
    alpn: { type: 'array', items: { type: 'string' }, maxItems: 8 },
    verifyTls: { type: 'boolean' },
    ...certExpiryProps,
    degradedAfterMs: { type: ['integer', 'null'] },
    timeoutMs: { type: 'integer' },
    connectTimeoutMs: { type: 'integer' },
    conditions: { type: 'array', items: { type: 'string', maxLength: 1000 }, maxItems: 32, description: '[CONNECTED], [RESPONSE_TIME] and [CERTIFICATE_EXPIRATION], e.g. "[CERTIFICATE_EXPIRATION] > 168h" (docs/checks.md)' },
  },
};

const dnsCheckInput: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'name'],
  properties: {
    kind: { const: 'dns' },
    name: { type: 'string', description: 'the name asked about' },
    recordType: { enum: [...DNS_RECORD_TYPES], default: 'A' },
    server: { type: ['string', 'null'], description: "the DNS server's IP address; null or absent: the system's first resolver" },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 53 },
    expectRcode: { oneOf: [{ enum: [...DNS_RCODES] }, { type: 'array', items: { enum: [...DNS_RCODES] }, minItems: 1 }], default: 'NOERROR' },
    answerContains: { type: 'array', items: { type: 'string' }, maxItems: 64, description: 'each value must be among the answers (text form, docs/checks.md)' },
    answerEquals: { type: ['array', 'null'], items: { type: 'string' }, maxItems: 64, description: 'the answers must be exactly these, in any order' },
    degradedAfterMs: { type: ['integer', 'null'] },
    timeoutMs: { type: 'integer' },
    conditions: { type: 'array', items: { type: 'string', maxLength: 1000 }, maxItems: 32, description: '[DNS_RCODE], [BODY] (the answer values joined with ", ") and [RESPONSE_TIME], e.g. "[DNS_RCODE] == NOERROR" (docs/checks.md)' },
  },
};

const heartbeatDuration = { oneOf: [{ type: 'integer', description: 'milliseconds' }, { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', examples: ['5m', '1d'] }] };

const heartbeatCheckInput: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'period'],
  description: 'pushed to, never polled (docs/heartbeat.md): the job calls /push/{token}',
  properties: {
    kind: { const: 'heartbeat' },
    period: { ...heartbeatDuration, description: 'a success is expected at least this often; 1 s to 35 d' },
    grace: { ...heartbeatDuration, description: 'how late a ping may be, and how long a started run may take; default 1 m (at most the period)' },
    token: { type: 'string', description: 'a ${env:NAME} or ${file:/path} reference holding the push token (never a literal); absent on an API target: the daemon makes one and answers it once as pushToken' },
    tokenHash: { type: ['string', 'null'], pattern: '^sha256:[0-9a-f]{64}$', description: 'the SHA-256 of a token of your own, instead of token' },
  },
};

const tlsCertificate = {
  type: 'object',
  properties: { subject: nullable('string'), issuer: nullable('string'), notBefore: nullable('string'), notAfter: nullable('string'), fingerprint256: nullable('string') },
};

const tlsInfo = {
  type: ['object', 'null'],
  properties: {
    protocol: nullable('string'),
    cipher: nullable('string'),
    alpn: nullable('string'),
    certSubject: nullable('string'),
    certIssuer: nullable('string'),
    certExpiresAt: { type: ['string', 'null'], description: 'the leaf\'s notAfter (ISO-8601)' },
    daysRemaining: { type: ['integer', 'null'], description: 'whole days until the leaf expires' },
    chainExpiresAt: { type: ['string', 'null'], description: 'the earliest notAfter over the whole chain: what the expiry thresholds judge' },
    chainDaysRemaining: { type: ['integer', 'null'], description: 'whole days until chainExpiresAt' },
    chain: { type: ['array', 'null'], items: tlsCertificate, description: 'leaf first; tls checks only' },
  },
};

const duration = { oneOf: [{ type: 'integer', description: 'milliseconds' }, { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)$', examples: ['30s', '1m'] }] };

const targetInputProps: Schema = {
  id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'defaults to a slug of the name' },
  name: { type: 'string', minLength: 1, maxLength: 200 },
  check: { oneOf: [ref('HttpCheckInput'), ref('TcpCheckInput'), ref('TlsCheckInput'), ref('DnsCheckInput'), ref('HeartbeatCheckInput')] },
  interval: { ...duration, description: 'from 1 s to 24 h; default 60 s' },
  timeout: { ...duration, description: 'at most the interval' },
  tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, maxItems: 32 },
  enabled: { type: 'boolean' },
  confirmations: { type: 'integer', minimum: 1, maximum: 100 },
  allowPrivateTargets: { type: 'boolean' },
  regions: {
    type: ['array', 'null'],
    items: { type: 'string', pattern: REGION_FORM.source },
    minItems: 1,
    maxItems: MAX_TARGET_REGIONS,
    uniqueItems: true,
    description: 'many nodes (docs/cluster.md): the regions the target is checked from; absent or null: every region with a live node. A region with no live node yet is accepted and reported (regionsWithoutLiveNode). No effect for one node alone.',
  },
  quorum: { enum: [...QUORUMS], description: 'how many of its regions with a live node must see it down to open an incident; default majority' },
};

const incidentRegions: Schema = {
  type: ['object', 'null'],
  required: ['quorum', 'required', 'verdicts'],
  description: 'many nodes (docs/cluster.md): which regions saw what when the incident was last decided (opened, updated, closed); null for one node alone and for incidents stored before regions were',
  properties: {
    quorum: { enum: [...QUORUMS] },
    required: { type: 'integer', minimum: 0, description: 'regions that had to see the target down, of those with a live node' },
    verdicts: { type: 'object', additionalProperties: { enum: [...REGION_VERDICTS] }, description: 'region name → down, up or no_live_node (neither up nor down)' },
  },
};

const maintenanceWindowInput: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  description: 'one-off (from, to) or recurring (cron, duration, timezone); scope: targets and/or tags, or global: true',
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
    title: { type: 'string', minLength: 1, maxLength: 200 },
    from: { type: ['string', 'integer'], description: 'ISO-8601 with a zone, or epoch ms' },
    to: { type: ['string', 'integer'], description: 'ISO-8601 with a zone, or epoch ms; after from' },
    cron: { type: 'string', description: '5 fields: minute hour day-of-month month day-of-week', examples: ['0 3 * * 0'] },
    duration: { ...duration, description: '1m to 7d, elapsed time' },
    timezone: { type: 'string', description: 'IANA zone the cron expression is read in', examples: ['Europe/Berlin', 'UTC'] },
    global: { type: 'boolean' },
    targets: { type: 'array', items: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
  },
};

const timings = {
  type: 'object',
  properties: Object.fromEntries(PHASES.map((p) => [timingKey(p), p === 'total' ? ms : nullableMs])),
};

const phaseLatency = {
  type: 'object',
  properties: Object.fromEntries(['count', 'minMs', 'meanMs', 'p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'maxMs'].map((k) => [k, k === 'count' ? { type: 'integer' } : nullableMs])),
};

export const COMPONENT_SCHEMAS: Record<string, Schema> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', description: 'stable snake_case code, see docs/api.md' },
          message: { type: 'string' },
          field: { type: 'string', description: 'dotted path of the offending input, e.g. check.url' },
          details: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  },
  HttpCheckInput: httpCheckInput,
  TcpCheckInput: tcpCheckInput,
  TlsCheckInput: tlsCheckInput,
  DnsCheckInput: dnsCheckInput,
  HeartbeatCheckInput: heartbeatCheckInput,
  TargetInput: { type: 'object', additionalProperties: false, required: ['name', 'check'], properties: targetInputProps },
  TargetPatch: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...targetInputProps,
      check: { type: 'object', description: 'JSON Merge Patch (RFC 7396) applied to the stored check' },
      quorum: { enum: [...QUORUMS, null], description: 'null: back to the default (majority)' },
    },
    description: 'fields given replace the stored ones; regions: null and quorum: null go back to the defaults (every region with a live node, majority)',
  },
  Target: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      source: { enum: ['config', 'api'] },
      kind: { enum: [...CHECK_KINDS] },
      spec: { type: 'object', description: 'the validated check spec; credentials are "[redacted]"' },
      intervalMs: { type: 'integer' },
      tags: { type: 'array', items: { type: 'string' } },
      enabled: { type: 'boolean' },
      confirmations: { type: 'integer' },
      allowPrivateTargets: { type: 'boolean' },
      regions: { type: ['array', 'null'], items: { type: 'string' }, description: 'null: every region with a live node' },
      quorum: { enum: [...QUORUMS] },
      regionsWithoutLiveNode: { type: 'array', items: { type: 'string' }, description: 'many nodes only: the target\'s regions with no live node now (not checked from there; never counted up or down). Absent for one node alone.' },
      phaseMs: { type: 'integer' },
      pushToken: { type: 'string', description: "a heartbeat target's push token: only in the answer that made it (creation, rotation); stored only as a hash" },
      pushPath: { type: 'string', description: '/push/{pushToken}, next to pushToken' },
    },
  },
  PushAccepted: {
    type: 'object',
    properties: {
      ok: { const: true },
      signal: { enum: ['success', 'start', 'fail'] },
      recorded: { type: 'boolean', description: 'false for a start (no result until the run ends) and for a disabled target; on many nodes the node owning the target records the result within about 0.5 s (docs/cluster.md)' },
    },
  },
  TargetBatch: { type: 'object', additionalProperties: false, required: ['items'], properties: { items: { type: 'array', minItems: 1, maxItems: 500, items: ref('TargetInput') } } },
  TargetBatchResult: {
    type: 'object',
    properties: {
      created: { type: 'integer' },
      refused: { type: 'integer' },
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['index', 'status'],
          properties: { index: { type: 'integer' }, status: { type: 'integer', description: '201, or the status a single POST would have answered (400, 409)' }, target: ref('Target'), error: { type: 'object', description: 'the error object a single POST would have answered' } },
        },
      },
    },
  },
  TargetList: {
    type: 'object',
    properties: {
      items: { type: 'array', items: ref('Target') },
      total: { type: 'integer', description: 'targets matching the filters, on all pages' },
      nextCursor: { type: ['string', 'null'], description: 'pass back as cursor for the next page; null on the last' },
    },
  },
  CheckResult: {
    type: 'object',
    properties: {
      kind: { enum: [...CHECK_KINDS] },
      target: { type: 'string' },
      startedAt: { type: 'integer', description: 'epoch ms' },
      status: { enum: ['up', 'degraded', 'down', 'error'] },
      httpVersion: { type: ['string', 'null'] },
      statusCode: { type: ['integer', 'null'] },
      responseBytes: { type: ['integer', 'null'] },
      timings,
      errorKind: { type: ['string', 'null'] },
      errorFamily: { enum: ['transport', 'verdict', 'internal', 'other', null] },
      errorPhase: { type: ['string', 'null'] },
      detail: { type: ['string', 'null'] },
      connectionReused: { type: 'boolean' },
      tls: tlsInfo,
    },
  },
  TestResult: { type: 'object', properties: { result: ref('CheckResult') } },
  ScheduledResult: {
    type: 'object',
    properties: {
      targetId: { type: 'string' },
      result: ref('CheckResult'),
      dueAt: { type: 'integer' },
      schedulingLagMs: ms,
      eventLoopDelayMs: ms,
      trigger: { enum: ['schedule', 'manual', 'push'], description: 'push: a heartbeat push; a heartbeat silence is schedule' },
      ...PROBE_LOAD_PROPERTIES,
      inMaintenance: { const: true, description: 'present (true) when the check ran inside a maintenance window' },
    },
  },
  StoredResult: {
    type: 'object',
    properties: {
      targetId: { type: 'string' },
      result: ref('CheckResult'),
      dueAt: { type: 'integer' },
      schedulingLagMs: ms,
      loopDelayMs: ms,
      ...PROBE_LOAD_PROPERTIES,
      inMaintenance: { const: true, description: 'present (true) when the check ran inside a maintenance window: stored, left out of uptime, opened no incident' },
    },
  },
  ResultPage: {
    type: 'object',
    properties: { targetId: { type: 'string' }, fromMs: { type: 'integer' }, toMs: { type: 'integer' }, items: { type: 'array', items: ref('StoredResult') }, nextCursor: nullable('string') },
  },
  UptimeSummary: {
    type: 'object',
    properties: Object.fromEntries(
      [['targetId', { type: 'string' }], ...['fromMs', 'toMs', 'total', 'up', 'degraded', 'down', 'error', 'maintenance'].map((k) => [k, { type: 'integer' }]), ['uptimePct', { type: ['number', 'null'] }], ['approximate', { type: 'boolean' }]],
    ),
  },
  Uptime: { type: 'object', properties: { targetId: { type: 'string' }, windows: { type: 'object', additionalProperties: ref('UptimeSummary') } } },
  Latency: {
    type: 'object',
    properties: {
      window: { enum: Object.keys(UPTIME_WINDOW_MS) },
      targetId: { type: 'string' },
      fromMs: { type: 'integer' },
      toMs: { type: 'integer' },
      phases: { type: 'object', properties: Object.fromEntries(PHASES.map((p) => [p, phaseLatency])) },
      approximate: { type: 'boolean' },
    },
  },
  Incident: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      targetId: { type: 'string' },
      openedAt: { type: 'integer' },
      closedAt: { type: ['integer', 'null'] },
      errorKind: { type: ['string', 'null'] },
      lastErrorKind: { type: ['string', 'null'] },
      lastDetail: { type: ['string', 'null'] },
      failureCount: { type: 'integer' },
      /** every result that opened it was taken while the probe was degraded */
      openedWhileProbeDegraded: { type: 'boolean' },
      regions: ref('IncidentRegions'),
      updatedAt: { type: 'integer' },
    },
  },
  IncidentRegions: incidentRegions,
  IncidentPage: { type: 'object', properties: { items: { type: 'array', items: ref('Incident') }, nextCursor: nullable('string') } },
  MaintenanceWindowInput: maintenanceWindowInput,
  MaintenanceWindow: {
    ...maintenanceWindowInput,
    additionalProperties: true,
    properties: {
      ...(maintenanceWindowInput.properties as Schema),
      source: { enum: ['config', 'api'] },
      kind: { enum: ['one_off', 'recurring'] },
      openNow: { type: 'boolean' },
      openUntil: { type: ['string', 'null'], format: 'date-time' },
      next: { type: 'array', items: { type: 'object', properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } } } },
    },
  },
  MaintenanceWindowList: { type: 'object', properties: { items: { type: 'array', items: ref('MaintenanceWindow') }, total: { type: 'integer' } } },
  AlertChannel: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      kind: { enum: ['webhook', 'email', 'pagerduty', 'opsgenie', 'discord', 'telegram', 'teams', 'template'] },
      deliveredTotal: { type: 'integer' },
      failedTotal: { type: 'integer', description: 'deliveries given up' },
      retriesTotal: { type: 'integer' },
      lastError: nullable('string'),
      maxAttempts: { type: 'integer' },
      route: { type: ['object', 'null'], description: 'null: every alert', properties: { targets: { type: 'array', items: { type: 'string' } }, tags: { type: 'array', items: { type: 'string' } }, probe: { type: 'boolean' } } },
      repeatEveryMs: nullable('integer'),
    },
  },
  AlertChannelList: { type: 'object', properties: { items: { type: 'array', items: ref('AlertChannel') }, total: { type: 'integer' } } },
  AlertTestOutcome: {
    type: 'object',
    properties: {
      channel: { type: 'string' },
      kind: { type: 'string' },
      deliveryId: { type: 'string', description: 'sent as X-Vigil-Delivery where the channel sends one' },
      delivered: { type: 'boolean' },
      retryable: { type: ['boolean', 'null'], description: 'for a failure: whether the outbox would retry it' },
      error: { type: ['string', 'null'], description: 'secret-free reason, e.g. "HTTP 400: …", "ECONNREFUSED", "EAUTH 535: …"' },
      durationMs: { type: 'number' },
    },
  },
  AlertDelivery: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      channel: { type: 'string' },
      eventType: { type: 'string', description: 'incident_opened, incident_resolved, incident_reminder, probe_degraded, …, or test' },
      isTest: { type: 'boolean', description: 'a POST /api/v1/alerts/{name}/test delivery (eventType test): never an incident alert, not in the counters' },
      targetId: nullable('string'),
      state: { enum: ['pending', 'delivered', 'failed'] },
      attempts: { type: 'integer' },
      lastError: nullable('string'),
      createdAt: { type: 'integer' },
      nextAttemptAt: { type: 'integer' },
      updatedAt: { type: 'integer' },
    },
  },
  AlertDeliveryPage: { type: 'object', properties: { items: { type: 'array', items: ref('AlertDelivery') }, nextCursor: nullable('string') } },
  Health: {
    type: 'object',
    properties: {
      status: { type: 'string' },
      reasons: { type: 'array', items: { type: 'string' } },
      regionsWithoutLiveNode: { type: 'array', items: { type: 'string' }, description: 'many nodes (docs/cluster.md): regions with no live node; their targets are not checked from there. Absent for one node alone.' },
    },
  },
  DaemonStats: {
    type: 'object',
    description: 'scheduler, pipeline, breaker, alert-delivery and probe-health counters; `cluster` (many nodes only): this node\'s region, every region\'s live nodes, regionsWithoutLiveNode',
  },
};
