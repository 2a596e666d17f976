/**
 * Input checks shared by both stores' heartbeat and certificate-warning repositories: one
 * definition of what each accepts, so SQLite and Postgres refuse the same things.
 */
import { StoreInputError, type CertWarningState, type NewHeartbeatSignal, type SignalRateLimit } from './store.js';

const SIGNAL_TYPES: ReadonlySet<string> = new Set(['success', 'fail', 'start']);
const CERT_LEVELS: ReadonlySet<string> = new Set(['ok', 'warning', 'critical']);

export function checkSignal(signal: NewHeartbeatSignal): void {
  if (!SIGNAL_TYPES.has(signal.type)) throw new StoreInputError('type', `type: expected success, fail or start, got ${JSON.stringify(signal.type)}`);
  const code = signal.exitCode;
  if (code !== null && !(Number.isInteger(code) && code >= 0 && code <= 255)) throw new StoreInputError('exitCode', `exitCode: expected null or an integer from 0 to 255, got ${JSON.stringify(code)}`);
  if (!Number.isSafeInteger(signal.at)) throw new StoreInputError('at', `at: expected epoch milliseconds, got ${JSON.stringify(signal.at)}`);
}

export function checkRateLimit(limit: SignalRateLimit): void {
  if (!(Number.isInteger(limit.burst) && limit.burst >= 1 && limit.burst <= 10_000)) throw new StoreInputError('burst', `burst: expected an integer from 1 to 10000, got ${JSON.stringify(limit.burst)}`);
  if (!(Number.isInteger(limit.refillEveryMs) && limit.refillEveryMs >= 1 && limit.refillEveryMs <= 86_400_000)) {
    throw new StoreInputError('refillEveryMs', `refillEveryMs: expected an integer from 1 to 86400000, got ${JSON.stringify(limit.refillEveryMs)}`);
  }
}

/**
 * A shared bucket after a push at `atMs` (SQLite computes it here; Postgres in the same terms
 * in SQL, pg-watch-state-repo.ts): refilled since its last push (never backwards: a node whose
 * clock is behind gets no credit), then one taken if there is one.
 */
export function bucketAfterPush(bucket: { tokens: number; atMs: number } | null, atMs: number, limit: SignalRateLimit): { tokens: number; atMs: number; taken: boolean; waitMs: number } {
  const available = bucket === null ? limit.burst : Math.min(limit.burst, bucket.tokens + Math.max(0, atMs - bucket.atMs) / limit.refillEveryMs);
  const at = bucket === null ? atMs : Math.max(bucket.atMs, atMs);
  if (available >= 1) return { tokens: available - 1, atMs: at, taken: true, waitMs: 0 };
  return { tokens: available, atMs: at, taken: false, waitMs: Math.ceil((1 - available) * limit.refillEveryMs) };
}

export function checkSignalLimit(limit: number): void {
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw new StoreInputError('limit', `limit: expected an integer from 1 to 1000, got ${JSON.stringify(limit)}`);
}

export function checkCertWarning(state: CertWarningState): void {
  if (!CERT_LEVELS.has(state.level)) throw new StoreInputError('level', `level: expected ok, warning or critical, got ${JSON.stringify(state.level)}`);
  if (state.warnedChainExpiresAt !== null && Number.isNaN(Date.parse(state.warnedChainExpiresAt))) {
    throw new StoreInputError('warnedChainExpiresAt', `warnedChainExpiresAt: expected null or an ISO date, got ${JSON.stringify(state.warnedChainExpiresAt)}`);
  }
}
