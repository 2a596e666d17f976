/**
 * One target, validated once: the same input shape comes from a YAML `targets` entry and
 * from the REST API. The result is frozen and carries the built CheckSpec; nothing
 * downstream re-validates it.
 */
import { DEFAULT_QUORUM, MAX_TARGET_REGIONS, QUORUMS, REGION_EXPECTED, REGION_FORM, type Quorum } from '../domain/region.js';
import { z } from 'zod';
import { defineCheck, SpecError, type CheckInput, type CheckSpec } from '../domain/check-spec.js';
import type { FieldError, TargetSource } from '../daemon/daemon-handle.js';
import { DURATION_FORM, parseDurationMs, durationInputSchema } from './duration.js';
import { checkInputSchema } from './check-input-schema.js';
import { resolveReferences, type SecretSource } from './secret-ref.js';
import { issuesToFieldErrors } from './zod-errors.js';
import { hashPushToken, PUSH_TOKEN_EXPECTED, PUSH_TOKEN_FORM } from './push-token.js';
import { isSafeDisplayText, UNSAFE_DISPLAY_TEXT } from '../domain/display-text.js';

export const MIN_INTERVAL_MS = 1_000;
const MAX_INTERVAL_MS = 86_400_000;
const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_CONFIRMATIONS = 2;
const ID_FORM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NO_STRINGS: readonly string[] = Object.freeze([]);

export interface TargetDefinition {
  readonly id: string;
  readonly name: string;
  readonly source: TargetSource;
  /** the full spec, secrets included: only the executor sees it */
  readonly spec: CheckSpec;
  /** the check input as validated (effective timeoutMs filled in): what the store keeps; `${env:…}`/`${file:…}` references stay references */
  readonly checkInput: CheckInput;
  /** values that came from references: secrets by definition, redacted wherever they appear */
  readonly secretValues: readonly string[];
  readonly intervalMs: number;
  readonly tags: readonly string[];
  readonly enabled: boolean;
  readonly confirmations: number;
  readonly allowPrivateTargets: boolean;
  /**
   * many nodes (docs/cluster.md): the regions it is checked from (null = every region with a
   * live node) and how many of them must see it down to open an incident. No effect for one
   * node alone (one implicit region). Stored with the target (config file or API).
   */
  readonly regions: readonly string[] | null;
  readonly quorum: Quorum;
}

/** Defaults a config file (or the daemon, for API targets) applies to each target. */
export interface TargetDefaults {
  readonly intervalMs: number;
  readonly timeoutMs: number | null;
  readonly confirmations: number;
  readonly allowPrivateTargets: boolean;
  /** where `${env:…}` references resolve (the daemon's environment) */
  readonly secrets: SecretSource;
  /** certificate-expiry thresholds of http and tls checks that set none (null: the built-in 14 / 3) */
  readonly certExpiryWarnDays: number | null;
  readonly certExpiryCriticalDays: number | null;
}

export const BUILTIN_TARGET_DEFAULTS: TargetDefaults = Object.freeze({
  intervalMs: DEFAULT_INTERVAL_MS,
  timeoutMs: null,
  confirmations: DEFAULT_CONFIRMATIONS,
  allowPrivateTargets: false,
  secrets: Object.freeze({ env: Object.freeze({}) }),
  certExpiryWarnDays: null,
  certExpiryCriticalDays: null,
});

/** The check input with the file's defaults filled in where the check says nothing. */
function withCheckDefaults(check: CheckInput, timeoutMs: number, defaults: TargetDefaults): CheckInput {
  // A pushed target has no check to time out.
  if (check.kind === 'heartbeat') return check;
  const filled: Record<string, unknown> = { ...check, timeoutMs };
  if (check.kind === undefined || check.kind === 'http' || check.kind === 'tls') {
    if (check.certExpiryWarnDays === undefined && defaults.certExpiryWarnDays !== null) filled.certExpiryWarnDays = defaults.certExpiryWarnDays;
    if (check.certExpiryCriticalDays === undefined && defaults.certExpiryCriticalDays !== null) filled.certExpiryCriticalDays = defaults.certExpiryCriticalDays;
  }
  return filled as CheckInput;
}

const durationSchema = durationInputSchema;

export const targetInputSchema = z.strictObject({
  id: z.string().regex(ID_FORM, 'expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit').optional(),
  name: z.string().trim().min(1, 'expected a non-empty name').max(200).refine(isSafeDisplayText, UNSAFE_DISPLAY_TEXT),
  check: checkInputSchema,
  interval: durationSchema.optional(),
  timeout: durationSchema.optional(),
  tags: z.array(z.string().min(1).max(64).refine(isSafeDisplayText, UNSAFE_DISPLAY_TEXT)).max(32).optional(),
  enabled: z.boolean().optional(),
  confirmations: z.number().int().min(1).max(100).optional(),
  allowPrivateTargets: z.boolean().optional(),
  // null says the default out loud (what a target read back shows): every region with a live node
  regions: z
    .array(z.string().regex(REGION_FORM, `expected ${REGION_EXPECTED}`))
    .min(1, 'expected at least one region (leave regions out, or null, for every region with a live node)')
    .max(MAX_TARGET_REGIONS)
    .superRefine((list, ctx) => {
      const twice = list.find((r, i) => list.indexOf(r) !== i);
      // echoed only when it is a well-formed name (a refused one may hold control characters)
      if (twice !== undefined) ctx.addIssue({ code: 'custom', message: `expected each region once, got ${REGION_FORM.test(twice) ? JSON.stringify(twice) : 'one'} twice` });
    })
    .nullable()
    .optional(),
  quorum: z.enum(QUORUMS).optional(),
});

export type TargetParse = { ok: true; target: TargetDefinition } | { ok: false; errors: FieldError[] };

/** Derives a stable id from a name when none is given: "API health" → "api-health". */
function slugifyName(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+|-+$/g, '').slice(0, 64);
  return slug === '' ? 'target' : slug;
}

function labelOf(input: unknown, index: number | null): string {
  if (input !== null && typeof input === 'object') {
    const rec = input as Record<string, unknown>;
    if (typeof rec.id === 'string' && rec.id !== '') return rec.id;
    if (typeof rec.name === 'string' && rec.name !== '') return rec.name;
  }
  return index === null ? '(unnamed)' : `targets[${index}]`;
}

function durationField(target: string, field: string, value: unknown, fallback: number | null, min: number): number | FieldError | null {
  if (value === undefined) return fallback;
  const ms = parseDurationMs(value);
  if (ms === null) return { target, field, message: `expected ${DURATION_FORM}, got ${JSON.stringify(value)}` };
  if (ms < min || ms > MAX_INTERVAL_MS) {
    return { target, field, message: `expected from ${min} ms to 24h, got ${JSON.stringify(value)}` };
  }
  return ms;
}

function isFieldError(value: unknown): value is FieldError {
  return value !== null && typeof value === 'object' && 'field' in value;
}

export function parseTargetInput(input: unknown, source: TargetSource, defaults: TargetDefaults, index: number | null = null): TargetParse {
  const label = labelOf(input, index);
  const parsed = targetInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: issuesToFieldErrors(label, parsed.error.issues) };
  const raw = parsed.data;
  const intervalMs = durationField(label, 'interval', raw.interval, defaults.intervalMs, MIN_INTERVAL_MS);
  if (isFieldError(intervalMs)) return { ok: false, errors: [intervalMs] };
  const interval = intervalMs ?? defaults.intervalMs;
  const timeoutMs = durationField(label, 'timeout', raw.timeout, defaults.timeoutMs, 1);
  if (isFieldError(timeoutMs)) return { ok: false, errors: [timeoutMs] };
  const checkTimeoutMs = timeoutMs ?? ('timeoutMs' in raw.check ? raw.check.timeoutMs : undefined) ?? Math.min(10_000, interval);
  if (checkTimeoutMs > interval) {
    return { ok: false, errors: [{ target: label, field: timeoutMs !== null ? 'timeout' : 'check.timeoutMs', message: `expected at most the interval (${interval} ms), got ${checkTimeoutMs} ms` }] };
  }
  let spec: CheckSpec;
  const checkInput = withCheckDefaults(raw.check, checkTimeoutMs, defaults);
  const resolved = checkInput.kind === 'heartbeat' ? resolveHeartbeatToken(checkInput as CheckInput & HeartbeatConfigInput, source, defaults.secrets) : resolveCheckReferences(checkInput, defaults.secrets);
  if (!resolved.ok) return { ok: false, errors: [{ target: label, field: `check.${resolved.field}`, message: resolved.message }] };
  try {
    spec = defineCheck(resolved.input);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    // Never echo a value that may be a credential (header values, auth, a URL with userinfo).
    const mayBeSecret = resolved.secrets.length > 0 || /^(headers|auth|body)/.test(err.field) || (err.field === 'url' && /[@?#]/.test(String(err.got)));
    const message = mayBeSecret ? `expected ${err.expected} (value not shown)` : err.message.slice(err.field.length + 2);
    return { ok: false, errors: [{ target: label, field: `check.${err.field}`, message }] };
  }
  const target: TargetDefinition = Object.freeze({
    id: raw.id ?? slugifyName(raw.name),
    name: raw.name,
    source,
    spec,
    checkInput: Object.freeze(checkInput),
    // the common empty lists are one shared frozen array (a daemon keeps 100,000 of these)
    secretValues: resolved.secrets.length === 0 ? NO_STRINGS : Object.freeze(resolved.secrets),
    intervalMs: interval,
    tags: raw.tags === undefined || raw.tags.length === 0 ? NO_STRINGS : Object.freeze([...raw.tags]),
    enabled: raw.enabled ?? true,
    confirmations: raw.confirmations ?? defaults.confirmations,
    allowPrivateTargets: raw.allowPrivateTargets ?? defaults.allowPrivateTargets,
    regions: raw.regions === undefined || raw.regions === null ? null : Object.freeze([...raw.regions]),
    quorum: raw.quorum ?? DEFAULT_QUORUM,
  });
  return { ok: true, target };
}

type CheckResolution = { ok: true; input: CheckInput; secrets: string[] } | { ok: false; field: string; message: string };

/** What a heartbeat's check block may say beyond the spec's input: its token, as a reference. */
interface HeartbeatConfigInput {
  readonly kind: 'heartbeat';
  readonly token?: string;
  readonly tokenHash?: string | null;
}

/**
 * A heartbeat's `token` is a `${env:…}`/`${file:…}` reference, never a literal: the check
 * input is stored as written, and a literal would sit in the store in clear. The resolved
 * token becomes its hash (the spec's `tokenHash`) and a known secret (redacted everywhere).
 * A config target needs one (the API cannot rotate what the file defines); an API target
 * without one gets a token made by the daemon (target-ops.ts), kept as `tokenHash`.
 */
function resolveHeartbeatToken(input: CheckInput & HeartbeatConfigInput, source: TargetSource, secrets: SecretSource): CheckResolution {
  const { token, ...rest } = input;
  if (token === undefined) {
    if (source === 'config' && (input.tokenHash === undefined || input.tokenHash === null)) {
      return { ok: false, field: 'token', message: 'expected a ${env:NAME} or ${file:/path} reference holding the push token (config heartbeat targets take their token from the environment or a file)' };
    }
    return { ok: true, input: rest as CheckInput, secrets: [] };
  }
  if (input.tokenHash !== undefined && input.tokenHash !== null) return { ok: false, field: 'token', message: 'expected token or tokenHash, not both' };
  if (!/^\$\{(env|file):[^}]*\}$/.test(token)) {
    return { ok: false, field: 'token', message: 'expected a ${env:NAME} or ${file:/path} reference (a literal token would be stored in clear; value not shown)' };
  }
  const r = resolveReferences(token, secrets);
  if (!r.ok) return { ok: false, field: 'token', message: r.message };
  if (!PUSH_TOKEN_FORM.test(r.value)) return { ok: false, field: 'token', message: `expected the referenced token to be ${PUSH_TOKEN_EXPECTED} (value not shown)`, };
  return { ok: true, input: { ...rest, tokenHash: hashPushToken(r.value) } as CheckInput, secrets: [r.value] };
}

/** Resolves references in the fields that may hold credentials: url, headers, auth, body. */
function resolveCheckReferences(input: CheckInput, source: SecretSource): CheckResolution {
  if (input.kind !== undefined && input.kind !== 'http') return { ok: true, input, secrets: [] };
  const secrets: string[] = [];
  let failure: { field: string; message: string } | null = null;
  const one = (field: string, value: string): string => {
    if (failure !== null) return value;
    const r = resolveReferences(value, source);
    if (!r.ok) {
      failure = { field, message: r.message };
      return value;
    }
    secrets.push(...r.secrets);
    return r.value;
  };
  const headers = input.headers === undefined ? undefined : Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k, one(`headers.${k}`, v)]));
  const auth =
    input.auth === undefined || input.auth === null
      ? input.auth
      : input.auth.type === 'basic'
        ? { type: 'basic' as const, username: one('auth.username', input.auth.username), password: one('auth.password', input.auth.password) }
        : { type: 'bearer' as const, token: one('auth.token', input.auth.token) };
  const resolvedInput: CheckInput = {
    ...input,
    url: one('url', input.url),
    ...(headers === undefined ? {} : { headers }),
    ...(auth === undefined ? {} : { auth }),
    ...(input.body === undefined || input.body === null ? {} : { body: one('body', input.body) }),
  };
  if (failure !== null) return { ok: false, ...(failure as { field: string; message: string }) };
  return { ok: true, input: resolvedInput, secrets };
}
