/**
 * Heartbeat (push) targets: nothing is polled. A job calls its target's secret URL
 * (`/push/{token}`, docs/heartbeat.md) and this host turns each call, and each silence, into
 * an ordinary CheckResult that the daemon handles like a polled one (store, incidents,
 * alerts, metrics, status page).
 *
 * - success (`/push/{token}` or exit code 0): `up`; if the run announced its start, totalMs is
 *   the run's duration (start → success).
 * - fail (`/fail` or a non-zero exit code): `down` / `heartbeat_failed`, at once.
 * - start (`/start`): no result; the run must finish (success or fail) within `grace`, else
 *   `down` / `heartbeat_run_overdue`.
 * - silence: no success or fail for `period + grace` → `down` / `heartbeat_missed`, then once
 *   per period while the silence lasts (history shows the gap as down).
 *
 * Every deadline is a timer on the daemon's injected clock, so tests drive it with a fake
 * one. After a restart (or a change of period or grace) a target gets a full period plus
 * grace from that moment: the host keeps no state on disk.
 */
import { NO_TIMINGS, type CheckResult, type CheckStatus } from '../domain/check-result.js';
import { targetOf, type HeartbeatCheckSpec } from '../domain/check-spec.js';
import { errorFamilyOf, type ErrorKind } from '../domain/error-kind.js';
import { hashPushToken } from '../config/push-token.js';
import type { TargetDefinition } from '../config/target-definition.js';
import type { Clock, TimerId } from '../scheduler/clock.js';

/** What a push says: `/push/{token}`, `/start`, `/fail`, `/{exit code}`. */
export type PushSignal = { readonly type: 'success' } | { readonly type: 'start' } | { readonly type: 'fail' } | { readonly type: 'exit'; readonly code: number };

export type PushOutcome =
  | { readonly ok: true; readonly targetId: string; readonly recorded: boolean }
  | { readonly ok: false; readonly reason: 'unknown_token' };

/** A result the host produced, for the daemon to handle like a scheduled one. */
export interface HeartbeatResult {
  readonly target: TargetDefinition;
  readonly result: CheckResult;
  /** when it was due: the deadline for a missed period, the arrival for a push */
  readonly dueAt: number;
  readonly trigger: 'schedule' | 'push';
}

export interface HeartbeatHostDeps {
  readonly clock: Clock;
  readonly emit: (produced: HeartbeatResult) => void;
  /** many nodes on one store: only the owner reports silences (absent = this node owns all) */
  readonly owns?: (targetId: string) => boolean;
}

interface Beat {
  target: TargetDefinition;
  spec: HeartbeatCheckSpec;
  /** the last success or fail (clock ms); null: none since this host took the target */
  lastSeenAt: number | null;
  /** when the host took the target (start, reload, new period) */
  sinceAt: number;
  /** set between a start and its success or fail */
  runStartedAt: number | null;
  deadline: TimerId | null;
  runDeadline: TimerId | null;
}

export class HeartbeatHost {
  private readonly beats = new Map<string, Beat>();
  /** token hash → target id */
  private readonly byHash = new Map<string, string>();
  private stopped = false;

  constructor(private readonly deps: HeartbeatHostDeps) {}

  /** Takes a heartbeat target (new, reloaded or edited). An unchanged rhythm keeps its deadlines. */
  upsert(target: TargetDefinition): void {
    if (target.spec.kind !== 'heartbeat') return;
    const spec = target.spec;
    const previous = this.beats.get(target.id);
    if (previous !== undefined && previous.spec.tokenHash !== null) this.byHash.delete(previous.spec.tokenHash);
    if (spec.tokenHash !== null) this.byHash.set(spec.tokenHash, target.id);
    const sameRhythm = previous !== undefined && previous.spec.periodMs === spec.periodMs && previous.spec.graceMs === spec.graceMs && previous.target.enabled === target.enabled;
    if (sameRhythm) {
      previous.target = target;
      previous.spec = spec;
      return;
    }
    if (previous !== undefined) this.clearTimers(previous);
    const beat: Beat = { target, spec, lastSeenAt: null, sinceAt: this.nowMs(), runStartedAt: null, deadline: null, runDeadline: null };
    this.beats.set(target.id, beat);
    this.armDeadline(beat, spec.periodMs + spec.graceMs);
  }

  remove(targetId: string): void {
    const beat = this.beats.get(targetId);
    if (beat === undefined) return;
    this.clearTimers(beat);
    if (beat.spec.tokenHash !== null && this.byHash.get(beat.spec.tokenHash) === targetId) this.byHash.delete(beat.spec.tokenHash);
    this.beats.delete(targetId);
  }

  /** Which target a token opens (the hash is the key: a lookup leaks nothing by timing). */
  targetOfToken(token: string): string | undefined {
    return this.byHash.get(hashPushToken(token));
  }

  /** A push arrived. A disabled target's pushes are answered but not recorded. */
  push(token: string, signal: PushSignal): PushOutcome {
    const id = this.targetOfToken(token);
    const beat = id === undefined ? undefined : this.beats.get(id);
    if (id === undefined || beat === undefined || this.stopped) return { ok: false, reason: 'unknown_token' };
    if (!beat.target.enabled) return { ok: true, targetId: id, recorded: false };
    const now = this.nowMs();
    if (signal.type === 'start') {
      beat.runStartedAt = now;
      if (beat.runDeadline !== null) this.deps.clock.clearTimer(beat.runDeadline);
      beat.runDeadline = this.deps.clock.setTimer(() => this.onRunOverdue(beat), beat.spec.graceMs);
      return { ok: true, targetId: id, recorded: false };
    }
    const ranMs = beat.runStartedAt === null ? null : now - beat.runStartedAt;
    const ran = ranMs === null ? '' : ` after running ${Math.round(ranMs)} ms`;
    const failed = signal.type === 'fail' || (signal.type === 'exit' && signal.code !== 0);
    const detail = !failed ? null : signal.type === 'exit' ? `the job exited with code ${signal.code}${ran}` : `the job reported failure${ran}`;
    beat.lastSeenAt = now;
    beat.runStartedAt = null;
    if (beat.runDeadline !== null) this.deps.clock.clearTimer(beat.runDeadline);
    beat.runDeadline = null;
    this.armDeadline(beat, beat.spec.periodMs + beat.spec.graceMs);
    this.deps.emit({ target: beat.target, result: this.result(beat, now, failed ? 'down' : 'up', failed ? 'heartbeat_failed' : null, detail, ranMs ?? 0), dueAt: now, trigger: 'push' });
    return { ok: true, targetId: id, recorded: true };
  }

  /** Shutdown: no more deadlines, no more pushes. */
  stop(): void {
    this.stopped = true;
    for (const beat of this.beats.values()) this.clearTimers(beat);
  }

  private armDeadline(beat: Beat, inMs: number): void {
    if (beat.deadline !== null) this.deps.clock.clearTimer(beat.deadline);
    beat.deadline = null;
    if (!beat.target.enabled || this.stopped) return;
    beat.deadline = this.deps.clock.setTimer(() => this.onDeadline(beat), inMs);
  }

  private onDeadline(beat: Beat): void {
    beat.deadline = null;
    if (this.beats.get(beat.target.id) !== beat || this.stopped) return;
    // Silence goes on being reported, once a period, until the job speaks again.
    this.armDeadline(beat, beat.spec.periodMs);
    // A run in progress is judged by its own (grace) deadline, not by the period.
    if (beat.runStartedAt !== null) return;
    if (this.deps.owns !== undefined && !this.deps.owns(beat.target.id)) return;
    const now = this.nowMs();
    const { periodMs, graceMs } = beat.spec;
    const last = beat.lastSeenAt === null ? `no ping since ${new Date(beat.sinceAt).toISOString()} (when this daemon took the target)` : `last ping at ${new Date(beat.lastSeenAt).toISOString()}`;
    const detail = `no success or failure reported within the period of ${periodMs} ms plus the grace of ${graceMs} ms; ${last}`;
    this.deps.emit({ target: beat.target, result: this.result(beat, now, 'down', 'heartbeat_missed', detail, 0), dueAt: now, trigger: 'schedule' });
  }

  private onRunOverdue(beat: Beat): void {
    beat.runDeadline = null;
    if (this.beats.get(beat.target.id) !== beat || this.stopped || beat.runStartedAt === null) return;
    const startedAt = beat.runStartedAt;
    beat.runStartedAt = null;
    if (this.deps.owns !== undefined && !this.deps.owns(beat.target.id)) return;
    const now = this.nowMs();
    const detail = `the job started at ${new Date(startedAt).toISOString()} and reported neither success nor failure within the grace of ${beat.spec.graceMs} ms`;
    this.deps.emit({ target: beat.target, result: this.result(beat, now, 'down', 'heartbeat_run_overdue', detail, now - startedAt), dueAt: now, trigger: 'schedule' });
  }

  /** Whole epoch ms: results are stored with integer times (the daemon's clock is sub-ms). */
  private nowMs(): number {
    return Math.round(this.deps.clock.now());
  }

  private clearTimers(beat: Beat): void {
    if (beat.deadline !== null) this.deps.clock.clearTimer(beat.deadline);
    if (beat.runDeadline !== null) this.deps.clock.clearTimer(beat.runDeadline);
    beat.deadline = null;
    beat.runDeadline = null;
  }

  private result(beat: Beat, at: number, status: CheckStatus, errorKind: ErrorKind | null, detail: string | null, totalMs: number): CheckResult {
    return {
      kind: 'heartbeat',
      target: targetOf(beat.spec),
      startedAt: at,
      status,
      httpVersion: null,
      statusCode: null,
      responseBytes: null,
      timings: { ...NO_TIMINGS, totalMs },
      errorKind,
      errorFamily: errorKind === null ? null : errorFamilyOf(errorKind),
      errorPhase: null,
      detail,
      connectionReused: false,
      tls: null,
    };
  }
}
