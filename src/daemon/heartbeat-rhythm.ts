/**
 * The pure part of heartbeat judging (docs/heartbeat.md): a target's kept state (its facts:
 * the last ping, a run's start, the last missed period reported) plus its rhythm says what is
 * due when. No clock, no timers, no store: the host feeds it times and keeps what it returns.
 *
 * - success / fail: the job spoke (a fail is a sign of life too); the period starts again.
 * - start: a run began; it must end (success or fail) within the grace, else it is overdue.
 * - silence: no success or fail for period + grace after the last one (or after watching
 *   began) is a missed period, then one more every period while the silence lasts. A run in
 *   progress is judged by its own deadline, not by the period.
 */
import type { HeartbeatCheckSpec } from '../domain/check-spec.js';
import type { ErrorKind } from '../domain/error-kind.js';
import type { HeartbeatState } from '../storage/store.js';

/** The facts of a HeartbeatState (the store adds which target and region they belong to). */
export type BeatFacts = Omit<HeartbeatState, 'targetId' | 'region'>;

export type BeatSignal = { readonly type: 'success' | 'fail' | 'start'; readonly exitCode: number | null; readonly at: number };

/** What the judging concluded: one result to record. */
export interface BeatVerdict {
  readonly at: number;
  readonly failed: boolean;
  readonly errorKind: ErrorKind | null;
  readonly detail: string | null;
  readonly totalMs: number;
  readonly trigger: 'schedule' | 'push';
}

type Rhythm = Pick<HeartbeatCheckSpec, 'periodMs' | 'graceMs'>;

const iso = (ms: number): string => new Date(ms).toISOString();

export function freshFacts(sinceAt: number): BeatFacts {
  return { lastSeenAt: null, runStartedAt: null, missedAt: null, sinceAt, signalSeq: 0 };
}

/** Applies one push; returns the result it records (none for a start). Mutates `facts`. */
export function applySignal(facts: BeatFacts, signal: BeatSignal): BeatVerdict | null {
  const { at } = signal;
  if (signal.type === 'start') {
    facts.runStartedAt = at;
    return null;
  }
  const ranMs = facts.runStartedAt === null ? null : Math.max(0, at - facts.runStartedAt);
  const ran = ranMs === null ? '' : ` after running ${Math.round(ranMs)} ms`;
  const failed = signal.type === 'fail';
  const detail = !failed ? null : signal.exitCode !== null ? `the job exited with code ${signal.exitCode}${ran}` : `the job reported failure${ran}`;
  // a signal applied late (it waited in the store) never moves the last ping backwards
  facts.lastSeenAt = Math.max(facts.lastSeenAt ?? at, at);
  facts.missedAt = null;
  facts.runStartedAt = null;
  return { at, failed, errorKind: failed ? 'heartbeat_failed' : null, detail, totalMs: ranMs ?? 0, trigger: 'push' };
}

/** When the next thing is due: a run's end, else the next missed period. */
export function nextDueAt(facts: BeatFacts, rhythm: Rhythm): number {
  if (facts.runStartedAt !== null) return facts.runStartedAt + rhythm.graceMs;
  if (facts.missedAt !== null) return facts.missedAt + rhythm.periodMs;
  return Math.max(facts.lastSeenAt ?? facts.sinceAt, facts.sinceAt) + rhythm.periodMs + rhythm.graceMs;
}

/** Everything due at `now` (an overdue run, then a missed period); mutates `facts`. */
export function judgeDue(facts: BeatFacts, rhythm: Rhythm, now: number): BeatVerdict[] {
  const out: BeatVerdict[] = [];
  if (facts.runStartedAt !== null) {
    if (now < facts.runStartedAt + rhythm.graceMs) return out;
    const startedAt = facts.runStartedAt;
    facts.runStartedAt = null;
    const detail = `the job started at ${iso(startedAt)} and reported neither success nor failure within the grace of ${rhythm.graceMs} ms`;
    out.push({ at: now, failed: true, errorKind: 'heartbeat_run_overdue', detail, totalMs: now - startedAt, trigger: 'schedule' });
    // the period goes on from the last ping: a missed period may be due at once too
  }
  if (now < nextDueAt(facts, rhythm)) return out;
  const last = facts.lastSeenAt === null || facts.lastSeenAt < facts.sinceAt ? `no ping since ${iso(facts.sinceAt)} (when Vigil began watching the target)` : `last ping at ${iso(facts.lastSeenAt)}`;
  facts.missedAt = now;
  out.push({ at: now, failed: true, errorKind: 'heartbeat_missed', detail: `no success or failure reported within the period of ${rhythm.periodMs} ms plus the grace of ${rhythm.graceMs} ms; ${last}`, totalMs: 0, trigger: 'schedule' });
  return out;
}
