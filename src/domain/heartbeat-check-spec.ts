/**
 * A heartbeat (push) target: nothing is polled. A cron job or backup script calls the
 * target's secret URL (`/push/{token}`, docs/heartbeat.md); the daemon judges the silence
 * between calls. The spec carries only the SHA-256 of the token (`sha256:<hex>`): the token
 * itself is shown once, when it is made, and kept nowhere.
 */
import { DURATION_FORM, parseDurationMs } from './duration.js';
import { SpecError } from './spec-fields.js';

export interface HeartbeatCheckSpec {
  readonly kind: 'heartbeat';
  /** a success is expected at least this often */
  readonly periodMs: number;
  /** how late a ping may be before the period counts as missed; also how long a started run may take */
  readonly graceMs: number;
  /** `sha256:<64 hex>` of the push token; null: no token yet (pushes are refused until one is set) */
  readonly tokenHash: string | null;
}

export type HeartbeatCheckInput = {
  kind: 'heartbeat';
  period: number | string;
  grace?: number | string;
  tokenHash?: string | null;
};

const MIN_PERIOD_MS = 1_000;
/** A monthly job is the longest rhythm worth a heartbeat; beyond it a timer is not the tool. */
const MAX_PERIOD_MS = 35 * 86_400_000;
const DEFAULT_GRACE_MS = 60_000;
const TOKEN_HASH_FORM = /^sha256:[0-9a-f]{64}$/;

function durationIn(field: string, value: unknown, min: number, max: number): number {
  const ms = parseDurationMs(value);
  if (ms === null || ms < min || ms > max) throw new SpecError(field, `${DURATION_FORM}, from ${min} ms to 35d`, value);
  return ms;
}

export function defineHeartbeatCheck(input: HeartbeatCheckInput): HeartbeatCheckSpec {
  const periodMs = durationIn('period', input.period, MIN_PERIOD_MS, MAX_PERIOD_MS);
  const graceMs = input.grace === undefined ? Math.min(DEFAULT_GRACE_MS, periodMs) : durationIn('grace', input.grace, 0, MAX_PERIOD_MS);
  const tokenHash = input.tokenHash ?? null;
  // The hash is never echoed: it is not the token, but there is no reason to print it.
  if (tokenHash !== null && (typeof tokenHash !== 'string' || !TOKEN_HASH_FORM.test(tokenHash))) throw new SpecError('tokenHash', '"sha256:" and 64 lower-case hex digits');
  return Object.freeze({ kind: 'heartbeat', periodMs, graceMs, tokenHash });
}

const UNITS: ReadonlyArray<readonly [string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];

/** `90000` → `1m30s`, `86400000` → `1d`, `1500` → `1500ms`: exact, in the units a period is written in. */
function compactDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 1_000 !== 0) return `${ms}ms`;
  let rest = ms;
  let text = '';
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}

/** The rhythm in words for a page, never the token: `push every 1d, grace 2h`. */
export function heartbeatRhythmText(spec: HeartbeatCheckSpec): string {
  return `push every ${compactDuration(spec.periodMs)}, grace ${compactDuration(spec.graceMs)}`;
}

/**
 * What a heartbeat result names as its target: the rhythm, never the token, and no spaces,
 * like every target string (`heartbeat:every=1d;grace=2h`).
 */
export function heartbeatTargetOf(spec: HeartbeatCheckSpec): string {
  return `heartbeat:every=${compactDuration(spec.periodMs)};grace=${compactDuration(spec.graceMs)}`;
}
