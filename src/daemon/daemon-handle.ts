/**
 * The running daemon as seen by the API, the metrics and the status page. The composition
 * root (src/daemon/daemon.ts) implements it; consumers never reach into the scheduler,
 * the executor or the pipeline directly.
 *
 * Data flows one way: the API may *ask* the daemon to change targets or run a check, and it
 * may *listen* to results; nothing it does can delay a scheduled check.
 */
import type { AlertChannelView, AlertTestOutcome } from '../alerts/alert-dispatcher.js';
import type { CheckResult } from '../domain/check-result.js';
import type { CheckSpec } from '../domain/check-spec.js';
import type { Quorum } from '../domain/region.js';
import type { Store } from '../storage/store.js';
import type { MaintenanceWindowsPort } from './maintenance-window-host.js';
import type { PushOutcome, PushSignal } from './heartbeat-host.js';

/** Where a target was declared. Config targets are replaced on reload; API targets are not. */
export type TargetSource = 'config' | 'api';

/**
 * A validated, scheduled target. `spec` is secret-free: basic-auth passwords, bearer tokens
 * and credential-bearing headers (authorization, cookie, x-api-key, …) are replaced by
 * "[redacted]", so a view can be serialized as-is into an API response or the status page.
 */
export interface TargetView {
  readonly id: string;
  readonly name: string;
  readonly source: TargetSource;
  readonly spec: CheckSpec;
  readonly intervalMs: number;
  readonly tags: readonly string[];
  readonly enabled: boolean;
  /** consecutive bad results to open an incident, and good ones to close it */
  readonly confirmations: number;
  /** the check may reach loopback/private addresses (SSRF guard off for this target) */
  readonly allowPrivateTargets: boolean;
  /** many nodes (docs/cluster.md): the regions it is checked from (null = every region with a live node) */
  readonly regions: readonly string[] | null;
  /** how many of them must see it down to open an incident */
  readonly quorum: Quorum;
  /** stable offset inside the interval: hash(id) mod intervalMs */
  readonly phaseMs: number;
}

/** One refused field. `target` is the target's id or name (null for file-level problems). */
export interface FieldError {
  readonly target: string | null;
  /** dotted path inside the target input, e.g. `check.url`, `interval`, `name` */
  readonly field: string;
  readonly message: string;
}

/**
 * The outcome of a target mutation. `code` is stable for API error bodies:
 * - invalid: the input failed validation (`errors` name each field)
 * - not_found: no target with that id
 * - conflict: the id or name is already taken (`errors` names the field)
 * - read_only: the target comes from the config file; edit the file and reload instead
 */
export type TargetMutation =
  | {
      readonly ok: true;
      readonly target: TargetView;
      /** a heartbeat target's new push token: shown once (creation, rotation), never stored or logged */
      readonly pushToken?: string;
    }
  | { readonly ok: false; readonly code: 'invalid' | 'not_found' | 'conflict' | 'read_only'; readonly errors: readonly FieldError[] };

export type TestSpecOutcome =
  | { readonly ok: true; readonly result: CheckResult }
  | { readonly ok: false; readonly code: 'invalid'; readonly errors: readonly FieldError[] };

/** A result produced by the scheduler (or "check now"), with the probe's own load attached. */
export interface ScheduledResult {
  readonly targetId: string;
  readonly result: CheckResult;
  /** epoch ms the check was due (phase-aligned); equals the start for "check now" */
  readonly dueAt: number;
  /** actual start − due time, ms (>= 0) */
  readonly schedulingLagMs: number;
  /** event-loop delay (p99 over the last sampling window, ms) when the check started */
  readonly eventLoopDelayMs: number;
  /** push: a heartbeat target's push (its silences are 'schedule') */
  readonly trigger: 'schedule' | 'manual' | 'push';
  /** the check ran inside a maintenance window (stored, no incident, no alert); absent when not */
  readonly inMaintenance?: true;
}

/** Why a due check did not run. Every one is counted (missed_late: the scheduler woke more than an interval late). */
type DropReason = 'skipped_in_flight' | 'dropped_global_cap' | 'missed_late';

interface SchedulerStats {
  readonly targets: number;
  /** targets with a timer on this node: many nodes, those in the shards it holds (docs/cluster.md) */
  readonly armed: number;
  readonly inFlight: number;
  readonly maxInFlight: number;
  readonly startedTotal: number;
  readonly completedTotal: number;
  /** due checks waiting for a place under the in-flight cap now, and those that started after waiting */
  readonly waiting: number;
  readonly waitedTotal: number;
  readonly drops: Readonly<Record<DropReason, number>>;
}

interface PipelineStats {
  /** results waiting in the batcher */
  readonly queueDepth: number;
  readonly writtenTotal: number;
  readonly writeFailuresTotal: number;
  /** results lost, by reason (e.g. buffer_full, flush_failed) */
  readonly dropped: Readonly<Record<string, number>>;
}

export interface BreakerStats {
  readonly closed: number;
  readonly open: number;
  readonly halfOpen: number;
}

export interface AlertDeliveryStats {
  /** webhook or channel name from the config (never its URL or secret) */
  readonly webhook: string;
  /** webhook, email, pagerduty, opsgenie, discord, telegram, teams or template */
  readonly kind: string;
  readonly deliveredTotal: number;
  /** deliveries abandoned after the last retry */
  readonly failedTotal: number;
  readonly retriesTotal: number;
  /** short, secret-free reason of the last failure (e.g. "HTTP 500", "connection refused") */
  readonly lastError: string | null;
}

interface ProbeHealth {
  /** true while the "probe degraded" internal alert is raised */
  readonly degraded: boolean;
  readonly eventLoopDelayMs: number;
  /** distinct hosts that failed with transport errors inside the current window */
  readonly failingHosts: number;
}

export interface DaemonStats {
  readonly scheduler: SchedulerStats;
  readonly pipeline: PipelineStats;
  readonly breakers: BreakerStats;
  readonly alerts: readonly AlertDeliveryStats[];
  readonly probe: ProbeHealth;
  /** many nodes on one store (docs/cluster.md): this node's region and every region's live nodes */
  readonly cluster?: ClusterStats;
}

export interface ClusterStats {
  readonly region: string;
  readonly regions: ReadonlyArray<{ readonly name: string; readonly liveNodes: number }>;
  /** regions with no live node: their targets are not checked from there (never counted up or down) */
  readonly regionsWithoutLiveNode: readonly string[];
}

export interface Readiness {
  readonly ready: boolean;
  /** why not ready (e.g. "starting", "shutting down", "store unavailable") */
  readonly reasons: readonly string[];
  /** many nodes: regions with no live node (a detail; this node stays ready) */
  readonly regionsWithoutLiveNode?: readonly string[];
}

/** The alert channels as the API sees them: the list (no URL or secret) and a one-attempt test. */
export interface AlertsPort {
  channels(): AlertChannelView[];
  /** undefined when no webhook or channel has that name; 'busy' while a test of it runs */
  test(name: string): Promise<AlertTestOutcome | 'busy' | undefined>;
}

export interface DaemonHandle {
  listTargets(): readonly TargetView[];
  getTarget(id: string): TargetView | undefined;
  /** Validates the input (same shape as one YAML `targets` entry), persists and schedules it. */
  createTarget(input: unknown): Promise<TargetMutation>;
  /** Replaces an API target's definition (full input, as for create); history is kept. */
  updateTarget(id: string, input: unknown): Promise<TargetMutation>;
  /** Unschedules and removes an API target; its stored results stay queryable. */
  deleteTarget(id: string): Promise<TargetMutation>;
  /** Runs a target input once, stores nothing, feeds no incident or metric. */
  testSpec(input: unknown): Promise<TestSpecOutcome>;
  /** Runs the target now, outside its schedule; the result is stored and emitted. */
  checkNow(id: string): Promise<ScheduledResult | undefined>;
  /** a push to a heartbeat target's secret URL (docs/heartbeat.md); many nodes: kept in the store for the owner */
  push(token: string, signal: PushSignal): Promise<PushOutcome>;
  /** a new push token for an API heartbeat target; the old one stops working at once */
  rotatePushToken(id: string): Promise<TargetMutation>;
  /**
   * Many nodes on one store (docs/cluster.md): resolves once every target change committed
   * through any node before the call is in the running set (rejects when the store is away).
   * Absent for one node alone, whose running set is the store's.
   */
  readonly syncTargets?: () => Promise<void>;
  /** For queries (results, uptime, latency, incidents). Do not write through it. */
  readonly store: Store;
  stats(): DaemonStats;
  /** Subscribes to every stored result; returns the unsubscribe function. Listeners must not throw or block. */
  onResult(listener: (event: ScheduledResult) => void): () => void;
  readiness(): Readiness;
  /** alert channels: list and test (their delivery log is the store's outbox) */
  readonly alerts: AlertsPort;
  /** maintenance windows: the compiled set in force, and API edits */
  readonly maintenance: MaintenanceWindowsPort;
}
