/**
 * Maintenance windows: planned periods during which a target's checks still run and are
 * stored (flagged `inMaintenance`), but open no incident, send no alert and do not count
 * towards uptime. Not to be confused with the storage job in src/storage/maintenance.ts.
 *
 * A window is one-off (`from`, `to`) or recurring (`cron` + `duration` + IANA `timezone`), and
 * applies to some targets (by id), some tags, or everything (`global: true`, said explicitly
 * so a window with a forgotten scope never silences the whole fleet by accident).
 */
import { z } from 'zod';
import { Cron } from 'croner';
import { DURATION_FORM, parseDurationMs } from '../config/duration.js';
import { issuesToFieldErrors } from '../config/zod-errors.js';
import { isSafeDisplayText, toSafeDisplayText, UNSAFE_DISPLAY_TEXT } from '../domain/display-text.js';

const WINDOW_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** a recurring window lasts at most this long (a longer one is a one-off window) */
const MAX_RECURRING_DURATION_MS = 7 * 86_400_000;
/** a one-off window lasts at most this long */
const MAX_ONE_OFF_DURATION_MS = 366 * 86_400_000;

export type WindowSource = 'config' | 'api';

type WindowTiming =
  | { readonly type: 'once'; readonly fromMs: number; readonly toMs: number }
  | { readonly type: 'recurring'; readonly cron: string; readonly durationMs: number; readonly timezone: string };

interface WindowScope {
  readonly global: boolean;
  readonly targets: readonly string[];
  readonly tags: readonly string[];
}

/** A validated window, plain data (stored as JSON, returned by the API). */
export interface MaintenanceWindow {
  readonly id: string;
  readonly title: string;
  readonly timing: WindowTiming;
  readonly scope: WindowScope;
  readonly source: WindowSource;
}

const timeString = z.union([z.string(), z.number()]);

/** The config/API input form. */
const maintenanceWindowInputSchema = z.strictObject({
  id: z.string().regex(WINDOW_ID, 'expected 1-64 letters, digits, ".", "_" or "-" (starting with a letter or digit)'),
  title: z.string().min(1).max(200).refine(isSafeDisplayText, UNSAFE_DISPLAY_TEXT).optional(),
  from: timeString.optional(),
  to: timeString.optional(),
  cron: z.string().min(1).max(200).optional(),
  duration: z.union([z.number(), z.string()]).optional(),
  timezone: z.string().min(1).max(100).optional(),
  global: z.boolean().optional(),
  targets: z.array(z.string().min(1).max(128)).max(1000).optional(),
  tags: z.array(z.string().min(1).max(64).refine(isSafeDisplayText, UNSAFE_DISPLAY_TEXT)).max(100).optional(),
});
export type MaintenanceWindowInput = z.infer<typeof maintenanceWindowInputSchema>;

export class WindowInputError extends Error {
  override readonly name = 'WindowInputError';
  constructor(
    readonly field: string,
    /** the message without the field */
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** ISO-8601 with an explicit offset (or Z), or epoch ms; a zone-less local time is ambiguous. */
function parseInstant(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
    throw new WindowInputError(field, `expected epoch milliseconds or an ISO-8601 time with offset, got ${JSON.stringify(value)}`);
  }
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new WindowInputError(field, `expected an ISO-8601 time with a zone such as "2026-12-05T02:00:00Z" or "2026-12-05T03:00:00+01:00", got ${JSON.stringify(value)}`);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new WindowInputError(field, `not a valid time: ${JSON.stringify(value)}`);
  return ms;
}

function isValidTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Validates one window input (already shaped by the schema); throws WindowInputError naming the field. */
function defineMaintenanceWindow(input: MaintenanceWindowInput, source: WindowSource): MaintenanceWindow {
  const isOnce = input.from !== undefined || input.to !== undefined;
  const isRecurring = input.cron !== undefined || input.duration !== undefined || input.timezone !== undefined;
  if (isOnce && isRecurring) throw new WindowInputError('cron', 'give either from/to (one-off) or cron/duration/timezone (recurring), not both');
  if (!isOnce && !isRecurring) throw new WindowInputError('from', 'a window needs from and to (one-off) or cron, duration and timezone (recurring)');
  let timing: WindowTiming;
  if (isOnce) {
    if (input.from === undefined) throw new WindowInputError('from', 'missing (a one-off window needs from and to)');
    if (input.to === undefined) throw new WindowInputError('to', 'missing (a one-off window needs from and to)');
    const fromMs = parseInstant(input.from, 'from');
    const toMs = parseInstant(input.to, 'to');
    if (toMs <= fromMs) throw new WindowInputError('to', 'must be after from');
    if (toMs - fromMs > MAX_ONE_OFF_DURATION_MS) throw new WindowInputError('to', 'a one-off window lasts at most 366 days');
    timing = { type: 'once', fromMs, toMs };
  } else {
    if (input.cron === undefined) throw new WindowInputError('cron', 'missing (a recurring window needs cron, duration and timezone)');
    if (input.duration === undefined) throw new WindowInputError('duration', 'missing (a recurring window needs cron, duration and timezone)');
    if (input.timezone === undefined) throw new WindowInputError('timezone', 'missing: give an IANA zone such as "Europe/Berlin" or "UTC" (no silent default)');
    if (!isValidTimezone(input.timezone)) throw new WindowInputError('timezone', `unknown IANA time zone ${JSON.stringify(input.timezone)}`);
    const durationMs = parseDurationMs(input.duration);
    if (durationMs === null || durationMs < 60_000 || durationMs > MAX_RECURRING_DURATION_MS) {
      throw new WindowInputError('duration', `expected ${DURATION_FORM} from 1m to 7d, got ${JSON.stringify(input.duration)}`);
    }
    const fields = input.cron.trim().split(/\s+/);
    if (fields.length !== 5) throw new WindowInputError('cron', `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`);
    try {
      // parsed once here; compileWindow parses it again from the stored definition
      new Cron(input.cron, { timezone: input.timezone, paused: true });
    } catch (err) {
      throw new WindowInputError('cron', `not a valid cron expression: ${err instanceof Error ? err.message : String(err)}`);
    }
    timing = { type: 'recurring', cron: fields.join(' '), durationMs, timezone: input.timezone };
  }
  const targets = [...new Set(input.targets ?? [])];
  const tags = [...new Set(input.tags ?? [])];
  const global = input.global ?? false;
  if (global && (targets.length > 0 || tags.length > 0)) throw new WindowInputError('global', 'a global window applies to every target: leave out targets and tags');
  if (!global && targets.length === 0 && tags.length === 0) {
    throw new WindowInputError('targets', 'a window needs a scope: targets (ids), tags, or global: true');
  }
  return Object.freeze({
    id: input.id,
    title: input.title ?? input.id,
    timing: Object.freeze(timing),
    scope: Object.freeze({ global, targets: Object.freeze(targets), tags: Object.freeze(tags) }),
    source,
  });
}

/** The input form of a stored window (round-trips through defineMaintenanceWindow). */
export function windowToInput(w: MaintenanceWindow): MaintenanceWindowInput {
  const scope = w.scope.global ? { global: true } : { ...(w.scope.targets.length > 0 ? { targets: [...w.scope.targets] } : {}), ...(w.scope.tags.length > 0 ? { tags: [...w.scope.tags] } : {}) };
  const timing =
    w.timing.type === 'once'
      ? { from: new Date(w.timing.fromMs).toISOString(), to: new Date(w.timing.toMs).toISOString() }
      : { cron: w.timing.cron, duration: w.timing.durationMs, timezone: w.timing.timezone };
  return { id: w.id, title: w.title, ...timing, ...scope };
}

/** Every window of a config file; throws WindowInputError with the field as `[i].field`. */
export function parseMaintenanceWindowList(inputs: readonly unknown[]): MaintenanceWindow[] {
  const ids = new Set<string>();
  return inputs.map((input, i) => {
    let window: MaintenanceWindow;
    try {
      window = parseMaintenanceWindow(input, 'config');
    } catch (err) {
      if (err instanceof WindowInputError) throw new WindowInputError(`[${i}].${err.field}`, err.reason);
      throw err;
    }
    if (ids.has(window.id)) throw new WindowInputError(`[${i}].id`, `duplicate maintenance window id ${JSON.stringify(window.id)}`);
    ids.add(window.id);
    return window;
  });
}

/** Parses unknown input (config entry or API body) into a window; throws WindowInputError. */
export function parseMaintenanceWindow(raw: unknown, source: WindowSource): MaintenanceWindow {
  const parsed = maintenanceWindowInputSchema.safeParse(raw);
  if (!parsed.success) {
    const first = issuesToFieldErrors(null, parsed.error.issues)[0];
    throw new WindowInputError(first?.field ?? '(root)', first?.message ?? 'invalid');
  }
  return defineMaintenanceWindow(parsed.data, source);
}

/**
 * A stored window's input with an unsafe title or tags (NUL, line breaks, bidi overrides: rows
 * written before titles were checked) made safe, and the fields that changed; other fields
 * are left for parseMaintenanceWindow to judge.
 */
export function cleanStoredWindowInput(input: Readonly<Record<string, unknown>>): { input: Record<string, unknown>; cleaned: string[] } {
  const out: Record<string, unknown> = { ...input };
  const cleaned: string[] = [];
  if (typeof input.title === 'string' && !isSafeDisplayText(input.title)) {
    out.title = toSafeDisplayText(input.title);
    cleaned.push('title');
  }
  if (Array.isArray(input.tags) && input.tags.some((t) => typeof t === 'string' && !isSafeDisplayText(t))) {
    out.tags = input.tags.map((t: unknown) => (typeof t === 'string' ? toSafeDisplayText(t) : t));
    cleaned.push('tags');
  }
  return { input: out, cleaned };
}
