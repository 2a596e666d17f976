/**
 * Heartbeat (push) targets: nothing is polled. A job calls its target's secret URL
 * (`/push/{token}`, docs/heartbeat.md) and this host turns each call, and each silence, into
 * an ordinary CheckResult that the daemon handles like a polled one (store, incidents,
 * alerts, metrics, status page). What is due when is judged in heartbeat-rhythm.ts.
 *
 * The facts behind the deadlines (last ping, a run's start, the last missed period) are kept
 * in the store, so a restarted daemon resumes them: a deadline that passed while it was
 * stopped is reported at once, a run that started before the restart is still judged.
 *
 * - One node alone: a push is applied here, at once, and written through to the store; each
 *   target has one timer, on the daemon's injected clock (tests drive it with a fake one).
 * - Many nodes on one Postgres (docs/cluster.md, "Heartbeats"): any node takes a push and
 *   appends it to the store; the node that owns the target in its region applies the pushes
 *   waiting for it and judges the deadlines, from the store's state, every SYNC_EVERY_MS (at
 *   once when the push reached the owner itself). Only the owner ever records a result.
 */
import { NO_TIMINGS, type CheckResult } from '../domain/check-result.js';
import { targetOf, type HeartbeatCheckSpec } from '../domain/check-spec.js';
import { errorFamilyOf } from '../domain/error-kind.js';
import { hashPushToken, PUSH_LIMIT_PER_TOKEN } from '../config/push-token.js';
import type { TargetDefinition } from '../config/target-definition.js';
import type { Clock, TimerId } from '../scheduler/clock.js';
import type { HeartbeatSignal, Store } from '../storage/store.js';
import { OrderedWrites } from './ordered-writes.js';
import { applySignal, freshFacts, judgeDue, nextDueAt, type BeatFacts, type BeatSignal, type BeatVerdict } from './heartbeat-rhythm.js';

/** What a push says: `/push/{token}`, `/start`, `/fail`, `/{exit code}`. */
export type PushSignal = { readonly type: 'success' } | { readonly type: 'start' } | { readonly type: 'fail' } | { readonly type: 'exit'; readonly code: number };

export type PushOutcome =
  | { readonly ok: true; readonly targetId: string; readonly recorded: boolean }
  | { readonly ok: false; readonly reason: 'unknown_token' | 'store_unavailable' }
  /** many nodes: the target's bucket shared through the store is empty */
  | { readonly ok: false; readonly reason: 'rate_limited'; readonly waitMs: number };

/** A result the host produced, for the daemon to handle like a scheduled one. */
export interface HeartbeatResult {
  readonly target: TargetDefinition;
  readonly result: CheckResult;
  /** when it was due: the deadline for a missed period, the arrival for a push */
  readonly dueAt: number;
  readonly trigger: 'schedule' | 'push';
}

type HeartbeatStore = Pick<Store, 'listHeartbeatStates' | 'putHeartbeatState' | 'appendHeartbeatSignalWithin' | 'pendingHeartbeatSignals'>;

export interface HeartbeatHostDeps {
  readonly clock: Clock;
  readonly emit: (produced: HeartbeatResult) => void;
  readonly store: HeartbeatStore;
  /** the region whose state this node keeps (`default` for one node alone) */
  readonly region: string;
  /** many nodes on one store: does this node judge the target now? (absent = one node alone) */
  readonly owns?: (targetId: string) => boolean;
  readonly logError: (message: string) => void;
}

/** Many nodes: how often the owner applies waiting pushes and judges deadlines. */
const SYNC_EVERY_MS = 500;
/** Node's timers fire at once beyond 2^31 − 1 ms (≈ 24.8 d); a longer wait is re-armed in steps. */
const MAX_TIMER_MS = 86_400_000;
/** Many nodes: pushes applied per sync round at most (the rest wait for the next round). */
const SIGNALS_PER_SYNC = 1_000;

interface Beat {
  target: TargetDefinition;
  spec: HeartbeatCheckSpec;
  facts: BeatFacts;
  timer: TimerId | null;
}

export class HeartbeatHost {
  private readonly beats = new Map<string, Beat>();
  /** token hash → target id */
  private readonly byHash = new Map<string, string>();
  private readonly shared: boolean;
  private stopped = false;
  /** one node alone: state writes in order (a later write of a target never overtaken) */
  private readonly writes: OrderedWrites;
  private syncTimer: TimerId | null = null;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  /** many nodes: the targets this node judged in its last good round (their facts in memory are the store's) */
  private judgedLastRound: ReadonlySet<string> = new Set();

  constructor(private readonly deps: HeartbeatHostDeps) {
    this.shared = deps.owns !== undefined;
    this.writes = new OrderedWrites((m) => deps.logError(`heartbeat: ${m}`));
  }

  /** Starts judging: one node resumes the stored deadlines; many nodes start the sync rounds. */
  async start(): Promise<void> {
    if (this.shared) {
      this.scheduleSync(0);
      return;
    }
    try {
      for (const stored of await this.deps.store.listHeartbeatStates(this.deps.region)) {
        const beat = this.beats.get(stored.targetId);
        if (beat === undefined) continue;
        const { targetId: _id, region: _region, ...facts } = stored;
        beat.facts = facts;
        this.arm(beat);
      }
    } catch (err) {
      this.deps.logError(`heartbeat: the stored deadlines could not be read (each target gets a full period + grace): ${message(err)}`);
    }
  }

  /** Takes a heartbeat target (new, reloaded or edited). Its facts stay; a re-enabled one is watched afresh. */
  upsert(target: TargetDefinition): void {
    if (target.spec.kind !== 'heartbeat') return;
    const spec = target.spec;
    const previous = this.beats.get(target.id);
    if (previous !== undefined && previous.spec.tokenHash !== null) this.byHash.delete(previous.spec.tokenHash);
    if (spec.tokenHash !== null) this.byHash.set(spec.tokenHash, target.id);
    const now = this.nowMs();
    if (previous === undefined) {
      const beat: Beat = { target, spec, facts: freshFacts(now), timer: null };
      this.beats.set(target.id, beat);
      this.arm(beat);
      return;
    }
    const reenabled = !previous.target.enabled && target.enabled;
    previous.target = target;
    previous.spec = spec;
    if (reenabled) {
      // silence while disabled is not a missed period: the first deadline counts from now
      previous.facts.sinceAt = now;
      previous.facts.missedAt = null;
      if (!this.shared || this.owns(target.id)) this.save(previous);
    }
    this.arm(previous);
  }

  remove(targetId: string): void {
    const beat = this.beats.get(targetId);
    if (beat === undefined) return;
    this.clearTimer(beat);
    if (beat.spec.tokenHash !== null && this.byHash.get(beat.spec.tokenHash) === targetId) this.byHash.delete(beat.spec.tokenHash);
    this.beats.delete(targetId);
  }

  /** Which target a token opens (the hash is the key: a lookup leaks nothing by timing). */
  targetOfToken(token: string): string | undefined {
    return this.byHash.get(hashPushToken(token));
  }

  /**
   * A push arrived. A disabled target's pushes are answered but not recorded. One node alone
   * records the result before this returns; many nodes append the push for the owner.
   */
  async push(token: string, pushed: PushSignal): Promise<PushOutcome> {
    const id = this.targetOfToken(token);
    const beat = id === undefined ? undefined : this.beats.get(id);
    if (id === undefined || beat === undefined || this.stopped) return { ok: false, reason: 'unknown_token' };
    if (!beat.target.enabled) return { ok: true, targetId: id, recorded: false };
    const signal = signalOf(pushed, this.nowMs());
    const recorded = signal.type !== 'start';
    if (!this.shared) {
      this.apply(beat, signal);
      this.save(beat);
      this.arm(beat);
      return { ok: true, targetId: id, recorded };
    }
    try {
      // the per-token limit holds for the whole cluster: the bucket is taken in the append
      const appended = await this.deps.store.appendHeartbeatSignalWithin({ targetId: id, ...signal }, PUSH_LIMIT_PER_TOKEN);
      if ('waitMs' in appended) return { ok: false, reason: 'rate_limited', waitMs: appended.waitMs };
    } catch (err) {
      this.deps.logError(`heartbeat: a push to ${id} could not be kept for its evaluating node: ${message(err)}`);
      return { ok: false, reason: 'store_unavailable' };
    }
    if (this.owns(id)) this.scheduleSync(0);
    return { ok: true, targetId: id, recorded };
  }

  /** Shutdown: no more deadlines, no more pushes; resolves when the state writes are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const beat of this.beats.values()) this.clearTimer(beat);
    if (this.syncTimer !== null) this.deps.clock.clearTimer(this.syncTimer);
    this.syncTimer = null;
    await Promise.all([this.writes.idle(), this.syncing]);
  }

  private owns(id: string): boolean {
    return this.deps.owns === undefined || this.deps.owns(id);
  }

  /** Applies a push to the facts and records its result. */
  private apply(beat: Beat, signal: BeatSignal): void {
    const verdict = applySignal(beat.facts, signal);
    if (verdict !== null) this.record(beat, verdict);
  }

  private judge(beat: Beat, now: number): boolean {
    if (!beat.target.enabled) return false;
    const verdicts = judgeDue(beat.facts, beat.spec, now);
    for (const verdict of verdicts) this.record(beat, verdict);
    return verdicts.length > 0;
  }

  private record(beat: Beat, v: BeatVerdict): void {
    this.deps.emit({ target: beat.target, result: this.result(beat, v), dueAt: v.at, trigger: v.trigger });
  }

  // ------------------------------------------------------------ one node alone: timers

  /** One node alone: one timer per target, at its next deadline (many nodes: the sync rounds judge). */
  private arm(beat: Beat): void {
    this.clearTimer(beat);
    if (this.shared || !beat.target.enabled || this.stopped) return;
    const inMs = Math.min(MAX_TIMER_MS, nextDueAt(beat.facts, beat.spec) - this.nowMs());
    beat.timer = this.deps.clock.setTimer(() => this.onTimer(beat), inMs);
  }

  private onTimer(beat: Beat): void {
    beat.timer = null;
    if (this.beats.get(beat.target.id) !== beat || this.stopped) return;
    if (this.judge(beat, this.nowMs())) this.save(beat);
    this.arm(beat);
  }

  private save(beat: Beat): void {
    const state = { targetId: beat.target.id, region: this.deps.region, ...beat.facts };
    this.writes.add(`the deadline state of ${state.targetId}`, () => this.deps.store.putHeartbeatState(state));
  }

  private clearTimer(beat: Beat): void {
    if (beat.timer !== null) this.deps.clock.clearTimer(beat.timer);
    beat.timer = null;
  }

  // ------------------------------------------------------------ many nodes: sync rounds

  private scheduleSync(inMs: number): void {
    if (this.stopped) return;
    if (this.syncing !== null) {
      this.syncAgain = true;
      return;
    }
    if (this.syncTimer !== null) this.deps.clock.clearTimer(this.syncTimer);
    this.syncTimer = this.deps.clock.setTimer(() => {
      this.syncTimer = null;
      this.syncing = this.sync()
        .catch((err: unknown) => {
          // what this node remembers may now differ from the store: re-read it all next round
          this.judgedLastRound = new Set();
          this.deps.logError(`heartbeat: sync with the store failed (retried): ${message(err)}`);
        })
        .finally(() => {
          this.syncing = null;
          const again = this.syncAgain;
          this.syncAgain = false;
          this.scheduleSync(again ? 0 : SYNC_EVERY_MS);
        });
    }, inMs);
  }

  /**
   * One round on the owner: for a target it did not judge in its last round (just gained,
   * or after a failed round) the store's facts replace what this node remembers, since
   * another node may have judged it meanwhile; waiting pushes are applied in order, due
   * deadlines judged, and the facts written back with how far the pushes were applied.
   */
  private async sync(): Promise<void> {
    const owned = [...this.beats.values()].filter((b) => b.target.enabled && this.owns(b.target.id));
    const gained = owned.filter((b) => !this.judgedLastRound.has(b.target.id));
    this.judgedLastRound = new Set();
    if (owned.length === 0) return;
    const dirty = new Set<Beat>();
    if (gained.length > 0) {
      const stored = new Map((await this.deps.store.listHeartbeatStates(this.deps.region)).map((s) => [s.targetId, s]));
      for (const beat of gained) {
        const s = stored.get(beat.target.id);
        if (s === undefined) dirty.add(beat);
        else beat.facts = { lastSeenAt: s.lastSeenAt, runStartedAt: s.runStartedAt, missedAt: s.missedAt, sinceAt: s.sinceAt, signalSeq: s.signalSeq };
      }
    }
    const signals: HeartbeatSignal[] = await this.deps.store.pendingHeartbeatSignals(this.deps.region, owned.map((b) => b.target.id), SIGNALS_PER_SYNC);
    if (this.stopped) return;
    for (const signal of signals) {
      const beat = this.beats.get(signal.targetId);
      if (beat === undefined || !this.owns(signal.targetId)) continue;
      this.apply(beat, signal);
      beat.facts.signalSeq = signal.seq;
      dirty.add(beat);
    }
    const now = this.nowMs();
    for (const beat of owned) if (this.judge(beat, now)) dirty.add(beat);
    for (const beat of dirty) await this.deps.store.putHeartbeatState({ targetId: beat.target.id, region: this.deps.region, ...beat.facts });
    this.judgedLastRound = new Set(owned.map((b) => b.target.id));
    if (signals.length === SIGNALS_PER_SYNC) this.syncAgain = true;
  }

  /** Whole epoch ms: results are stored with integer times (the daemon's clock is sub-ms). */
  private nowMs(): number {
    return Math.round(this.deps.clock.now());
  }

  private result(beat: Beat, v: BeatVerdict): CheckResult {
    return {
      kind: 'heartbeat',
      target: targetOf(beat.spec),
      startedAt: v.at,
      status: v.failed ? 'down' : 'up',
      httpVersion: null,
      statusCode: null,
      responseBytes: null,
      timings: { ...NO_TIMINGS, totalMs: v.totalMs },
      errorKind: v.errorKind,
      errorFamily: v.errorKind === null ? null : errorFamilyOf(v.errorKind),
      errorPhase: null,
      detail: v.detail,
      connectionReused: false,
      tls: null,
    };
  }
}

/** A push as the rhythm sees it: an exit code is a success (0) or a fail that names the code. */
function signalOf(pushed: PushSignal, at: number): BeatSignal {
  if (pushed.type === 'exit') return { type: pushed.code === 0 ? 'success' : 'fail', exitCode: pushed.code === 0 ? null : pushed.code, at };
  return { type: pushed.type, exitCode: null, at };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
