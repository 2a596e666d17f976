import type { CheckStatus } from '../domain/check-result.js';
import type { ErrorKind } from '../domain/error-kind.js';
import type { IncidentEvent } from './incident-events.js';

/** What the state machine needs from a CheckResult. */
export interface Observation {
  status: CheckStatus;
  errorKind: ErrorKind | null;
  detail: string | null;
  startedAt: number;
  /** taken while the probe was saturated (domain/probe-load.ts) */
  probeDegraded: boolean;
}

/** One target's state. Plain data: the transition below is a pure function of it. */
export interface IncidentState {
  phase: 'unknown' | 'up' | 'down';
  /** consecutive bad results while not down (good while down) */
  streak: number;
  /** the first result of the current streak */
  streakStartAt: number | null;
  streakErrorKind: ErrorKind | null;
  /** the latest real (not circuit_open) bad result of the current bad streak */
  streakLastErrorKind: ErrorKind | null;
  streakLastDetail: string | null;
  /** every result of the current streak was taken while the probe was degraded */
  streakProbeDegraded: boolean;
  /** set while down */
  openedAt: number | null;
  lastErrorKind: ErrorKind | null;
  lastDetail: string | null;
  /** bad results while down not yet reported in an event */
  unreportedFailures: number;
}

export const INITIAL_STATE: Readonly<IncidentState> = Object.freeze({
  phase: 'unknown',
  streak: 0,
  streakStartAt: null,
  streakErrorKind: null,
  streakLastErrorKind: null,
  streakLastDetail: null,
  streakProbeDegraded: true,
  openedAt: null,
  lastErrorKind: null,
  lastDetail: null,
  unreportedFailures: 0,
});

function isBad(status: CheckStatus): boolean {
  return status === 'down' || status === 'error';
}

/**
 * The transition: `confirmations` consecutive bad results (down/error) open an incident,
 * dated at the first of them; while down, `confirmations` consecutive good results
 * (up/degraded) resolve it, dated at the first good one. A good result from `unknown`
 * counts as up at once (nothing to recover from). `circuit_open`: see the first branch.
 */
export function nextIncidentState(
  state: Readonly<IncidentState>,
  targetId: string,
  confirmations: number,
  observed: Observation,
): { state: IncidentState; event: IncidentEvent | null } {
  let obs = observed;
  if (obs.errorKind === 'circuit_open') {
    // A check the circuit breaker refused tells nothing new about the target. It never starts
    // a streak, never counts toward resolving, never breaks a streak and is never a cause. It
    // only continues a bad streak the target's OWN failure started (its endpoint is still
    // failing), as a repeat of that real result: a target whose later checks are all refused
    // is still paged, with its own failure as the cause.
    if (state.phase === 'down' || state.streak === 0) return { state: { ...state }, event: null };
    obs = { status: 'down', errorKind: state.streakLastErrorKind, detail: state.streakLastDetail, startedAt: obs.startedAt, probeDegraded: obs.probeDegraded };
  }
  const n = Math.max(1, confirmations);
  const bad = isBad(obs.status);
  if (state.phase !== 'down') {
    if (!bad) return { state: { ...INITIAL_STATE, phase: 'up' }, event: null };
    const streak = state.streak + 1;
    const startAt = streak === 1 ? obs.startedAt : (state.streakStartAt ?? obs.startedAt);
    const startKind = streak === 1 ? obs.errorKind : state.streakErrorKind;
    const probeDegraded = (streak === 1 || state.streakProbeDegraded) && obs.probeDegraded;
    if (streak < n) {
      return { state: { ...state, streak, streakStartAt: startAt, streakErrorKind: startKind, streakLastErrorKind: obs.errorKind, streakLastDetail: obs.detail, streakProbeDegraded: probeDegraded }, event: null };
    }
    const opened: IncidentEvent = { type: 'opened', targetId, at: startAt, errorKind: startKind, detail: obs.detail, failureCount: streak, probeDegraded };
    return {
      state: { ...INITIAL_STATE, phase: 'down', openedAt: startAt, lastErrorKind: obs.errorKind, lastDetail: obs.detail },
      event: opened,
    };
  }
  if (bad) {
    const unreported = state.unreportedFailures + 1;
    const base = { ...state, streak: 0, streakStartAt: null, lastDetail: obs.detail };
    if (obs.errorKind === state.lastErrorKind) return { state: { ...base, unreportedFailures: unreported }, event: null };
    const updated: IncidentEvent = {
      type: 'updated', targetId, at: obs.startedAt, errorKind: obs.errorKind, detail: obs.detail, failuresAdded: unreported,
    };
    return { state: { ...base, lastErrorKind: obs.errorKind, unreportedFailures: 0 }, event: updated };
  }
  const streak = state.streak + 1;
  const startAt = streak === 1 ? obs.startedAt : (state.streakStartAt ?? obs.startedAt);
  if (streak < n) return { state: { ...state, streak, streakStartAt: startAt }, event: null };
  const openedAt = state.openedAt ?? startAt;
  const resolved: IncidentEvent = {
    type: 'resolved', targetId, at: startAt, durationMs: startAt - openedAt, failuresAdded: state.unreportedFailures,
    lastErrorKind: state.lastErrorKind, lastDetail: state.lastDetail, reason: 'recovered',
  };
  return { state: { ...INITIAL_STATE, phase: 'up' }, event: resolved };
}
