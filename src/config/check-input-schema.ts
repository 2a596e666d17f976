/**
 * The shape (types and known fields) of a `check` block. Semantics (URL form, status
 * ranges, regex validity, bounds) are left to `defineCheck`, the one place that knows them;
 * this schema only makes sure `defineCheck` gets values of the right types and that a typo
 * such as `keywrod` is refused instead of silently ignored.
 */
import { z } from 'zod';
import { CHECK_KINDS, type CheckInput, type CheckKind } from '../domain/check-spec.js';
import { STARTTLS_PROTOCOLS } from '../domain/tls-check-spec.js';
import { DNS_RECORD_TYPES } from '../domain/dns-check-spec.js';
import { durationInputSchema } from './duration.js';

const ms = z.number().int();
const statusRange = z.strictObject({ min: z.number().int(), max: z.number().int() });

const httpCheckSchema = z.strictObject({
  kind: z.literal('http').optional(),
  url: z.string(),
  method: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().nullable().optional(),
  auth: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('basic'), username: z.string(), password: z.string() }),
      z.strictObject({ type: z.literal('bearer'), token: z.string() }),
    ])
    .nullable()
    .optional(),
  expectStatus: z.union([z.string(), z.number().int(), z.array(statusRange)]).optional(),
  keyword: z.string().nullable().optional(),
  bodyRegex: z.string().nullable().optional(),
  followRedirects: z.boolean().optional(),
  maxRedirects: z.number().int().optional(),
  degradedAfterMs: ms.nullable().optional(),
  timeoutMs: ms.optional(),
  connectTimeoutMs: ms.optional(),
  verifyTls: z.boolean().optional(),
  connection: z.enum(['fresh', 'pooled']).optional(),
  http2: z.enum(['alpn', 'prior-knowledge']).optional(),
  certExpiryWarnDays: z.number().int().optional(),
  certExpiryCriticalDays: z.number().int().optional(),
  conditions: z.array(z.string()).optional(),
});

const tcpCheckSchema = z.strictObject({
  kind: z.literal('tcp'),
  host: z.string(),
  port: z.number().int(),
  degradedAfterMs: ms.nullable().optional(),
  timeoutMs: ms.optional(),
  connectTimeoutMs: ms.optional(),
  conditions: z.array(z.string()).optional(),
});

const tlsCheckSchema = z.strictObject({
  kind: z.literal('tls'),
  host: z.string(),
  port: z.number().int(),
  servername: z.string().nullable().optional(),
  starttls: z.enum(STARTTLS_PROTOCOLS).nullable().optional(),
  alpn: z.array(z.string()).optional(),
  verifyTls: z.boolean().optional(),
  certExpiryWarnDays: z.number().int().optional(),
  certExpiryCriticalDays: z.number().int().optional(),
  degradedAfterMs: ms.nullable().optional(),
  timeoutMs: ms.optional(),
  connectTimeoutMs: ms.optional(),
  conditions: z.array(z.string()).optional(),
});

const dnsCheckSchema = z.strictObject({
  kind: z.literal('dns'),
  name: z.string(),
  recordType: z.enum(DNS_RECORD_TYPES).optional(),
  server: z.string().nullable().optional(),
  port: z.number().int().optional(),
  expectRcode: z.union([z.string(), z.array(z.string())]).optional(),
  answerContains: z.array(z.string()).optional(),
  answerEquals: z.array(z.string()).nullable().optional(),
  degradedAfterMs: ms.nullable().optional(),
  timeoutMs: ms.optional(),
  conditions: z.array(z.string()).optional(),
});

/** `token`: a `${env:…}`/`${file:…}` reference (target-definition.ts); `tokenHash`: kept by the daemon for API-made tokens. */
const heartbeatCheckSchema = z.strictObject({
  kind: z.literal('heartbeat'),
  period: durationInputSchema,
  grace: durationInputSchema.optional(),
  token: z.string().max(1_000).optional(),
  tokenHash: z.string().max(100).nullable().optional(),
});

const SCHEMAS: Readonly<Record<CheckKind, z.ZodType>> = { http: httpCheckSchema, tcp: tcpCheckSchema, tls: tlsCheckSchema, dns: dnsCheckSchema, heartbeat: heartbeatCheckSchema };

/** Picks the schema by `kind` so errors talk about the kind the user meant. */
export const checkInputSchema = z.unknown().transform((value, ctx): CheckInput => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'expected an object such as { kind: http, url: ... }' });
    return z.NEVER;
  }
  const kind = (value as { kind?: unknown }).kind;
  if (kind !== undefined && (typeof kind !== 'string' || !Object.hasOwn(SCHEMAS, kind))) {
    ctx.addIssue({ code: 'custom', path: ['kind'], message: `expected one of ${CHECK_KINDS.map((k) => `"${k}"`).join(', ')}, got ${JSON.stringify(kind)}` });
    return z.NEVER;
  }
  const schema = SCHEMAS[(kind ?? 'http') as CheckKind];
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: issue.path } as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  }
  return parsed.data as CheckInput;
});
