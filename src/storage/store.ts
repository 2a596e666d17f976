/**
 * The storage contract of the daemon: targets, check results (raw + hourly rollups),
 * incidents. Every method is async so a networked store (Postgres) can implement the same
 * interface; the SQLite store runs its work in a worker thread (see docs/storage.md).
 * `test/storage/store.contract.ts` is the shared test suite every implementation must pass.
 *
 * Units: every time is epoch milliseconds unless the name says otherwise.
 */
import type { CheckInput } from '../domain/check-spec.js';
import { PHASES, type CheckResult, type CheckStatus, type Phase } from '../domain/check-result.js';
import type { ErrorKind } from '../domain/error-kind.js';
import type { IncidentRegions, Quorum } from '../domain/region.js';

// ---------------------------------------------------------------- targets

type TargetSource = 'config' | 'api';

export interface TargetRecord {
  /** stable id: `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`; also the scheduler's phase key */
  id: string;
  /** unique, human name (1..200 chars) */
  name: string;
  /** the JSON form `defineCheck` accepts; re-validated whenever it is loaded */
  input: CheckInput;
  intervalMs: number;
  tags: string[];
  enabled: boolean;
  /** consecutive bad (good) results that open (resolve) an incident */
  confirmations: number;
  /** many nodes (docs/cluster.md): the regions it is checked from, null = every region with a live node */
  regions: string[] | null;
  /** how many of those regions must see it down to open an incident */
  quorum: Quorum;
  source: TargetSource;
  createdAt: number;
  updatedAt: number;
}

/**
 * A stored target in the input form a config file or the API gives (`parseTargetInput`
 * accepts it back): the one mapping used by config reload and by PATCH. `allowPrivateTargets`
 * is not part of it: the daemon accepts that only from the config file.
 */
export function targetInputOf(r: TargetRecord): Record<string, unknown> {
  return {
    id: r.id, name: r.name, check: r.input, interval: r.intervalMs, tags: r.tags, enabled: r.enabled, confirmations: r.confirmations,
    ...(r.regions === null ? {} : { regions: r.regions }), quorum: r.quorum,
  };
}

/**
 * What callers provide; the store sets createdAt/updatedAt. `regions` and `quorum` may be left
 * out: every region with a live node, majority (docs/cluster.md).
 */
export type NewTarget = Omit<TargetRecord, 'createdAt' | 'updatedAt' | 'regions' | 'quorum'> & Partial<Pick<TargetRecord, 'regions' | 'quorum'>>;
export type TargetPatch = Partial<Omit<TargetRecord, 'id' | 'createdAt' | 'updatedAt'>>;

// ---------------------------------------------------------------- results

/** One check result as the pipeline hands it to storage. */
/**
 * The timing columns of one stored result (what the latency charts draw), times in ms as in
 * the CheckResult: `recentTimings` reads only these, not the whole row.
 */
export interface ResultTiming {
  readonly targetId: string;
  readonly startedAt: number;
  readonly dnsMs: number | null;
  readonly connectMs: number | null;
  readonly tlsMs: number | null;
  readonly ttfbMs: number | null;
  readonly receiveMs: number | null;
  readonly schedulingLagMs: number;
  readonly loopDelayMs: number;
}

export interface StoredResult {
  targetId: string;
  result: CheckResult;
  /** when the scheduler wanted the check to start (epoch ms) */
  dueAt: number;
  /** actual start − due time */
  schedulingLagMs: number;
  /** the probe's event-loop delay when the check started */
  loopDelayMs: number;
  /**
   * true when the check ran inside a maintenance window: stored and shown, but left out of
   * uptime (and it opened no incident). Absent when false.
   */
  inMaintenance?: true;
}

export interface ResultQuery {
  targetId: string;
  /** inclusive, on result.startedAt */
  fromMs: number;
  /** exclusive, on result.startedAt */
  toMs: number;
  /** 1..1000, default 100 */
  limit?: number;
  /** opaque keyset cursor from a previous page's `nextCursor` */
  cursor?: string | null;
}

/** Newest first. `nextCursor` is null on the last page. */
export interface ResultPage {
  items: StoredResult[];
  nextCursor: string | null;
}

export type UptimeWindow = '1h' | '24h' | '7d' | '30d' | '90d';
export const UPTIME_WINDOW_MS: Readonly<Record<UptimeWindow, number>> = Object.freeze({
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
  '90d': 90 * 86_400_000,
});

/** The width of a status bucket: a UTC hour or a UTC day. */
export type BucketUnit = 'hour' | 'day';
export const BUCKET_UNIT_MS: Readonly<Record<BucketUnit, number>> = Object.freeze({ hour: 3_600_000, day: 86_400_000 });

/**
 * Result counts of one target in one UTC hour or day (the status page's bars). Hours before
 * the rollup watermark come from the hourly rollups (kept `rollupRetentionMs`, 400 d by
 * default), later results from raw rows: the counts are exact, never counted twice.
 * `maintenance` counts results inside a maintenance window, which are in none of the others.
 */
export interface StatusBucket {
  /** start of the UTC hour or day (epoch ms) */
  startMs: number;
  up: number;
  degraded: number;
  down: number;
  error: number;
  maintenance: number;
}

/**
 * Uptime over a window. `up` counts up AND degraded results (a degraded target answered);
 * `uptimePct` = up / total × 100, null when there were no results. Results inside a
 * maintenance window are not in `total` (nor in up/down/…): they are counted in `maintenance`.
 * `approximate` is true when part of the window came from hourly rollups (the first,
 * partly-covered hour is then counted whole).
 */
export interface UptimeSummary {
  targetId: string;
  fromMs: number;
  toMs: number;
  total: number;
  up: number;
  degraded: number;
  down: number;
  error: number;
  /** results left out because they ran inside a maintenance window */
  maintenance: number;
  uptimePct: number | null;
  approximate: boolean;
}

export { PHASES, type Phase };

/** Percentiles of one phase; null fields when the phase never happened in the window. */
export interface PhaseLatency {
  count: number;
  minMs: number | null;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/**
 * Latency per phase. Only results that reached a phase count for it (a failed connect has
 * no ttfb). `approximate` is true when rollup histograms were merged in (≤ 5 % relative
 * error, see docs/storage.md); raw-only windows give exact nearest-rank percentiles.
 */
export interface LatencySummary {
  targetId: string;
  fromMs: number;
  toMs: number;
  phases: Record<Phase, PhaseLatency>;
  approximate: boolean;
}

/** A mergeable per-phase aggregate (fixed log-spaced histogram, see latency-histogram.ts). */
export interface PhaseAggregate {
  count: number;
  sumMs: number;
  minMs: number | null;
  maxMs: number | null;
  /** sparse histogram: [bucketIndex, count] pairs, ascending */
  buckets: Array<[number, number]>;
}

export interface HourlyRollup {
  targetId: string;
  /** start of the hour (epoch ms, multiple of 3,600,000) */
  hourStartMs: number;
  up: number;
  degraded: number;
  down: number;
  error: number;
  /** results inside a maintenance window (not in up/degraded/down/error; their timings are in phases) */
  maintenance: number;
  phases: Record<Phase, PhaseAggregate>;
}

export interface RollupReport {
  /** hours rolled up in this run */
  hours: number;
  rows: number;
  /** every hour before this is rolled up (null when there is nothing yet) */
  watermarkMs: number | null;
}

export interface RetentionPolicy {
  /** raw results older than this are deleted (only once rolled up); default 7 d */
  rawRetentionMs: number;
  /** hourly rollups and closed incidents older than this are deleted; default 400 d */
  rollupRetentionMs: number;
}
export const DEFAULT_RETENTION: Readonly<RetentionPolicy> = Object.freeze({
  rawRetentionMs: 7 * 86_400_000,
  rollupRetentionMs: 400 * 86_400_000,
});

export interface RetentionReport {
  rawDeleted: number;
  rollupsDeleted: number;
  incidentsDeleted: number;
  /** finished (delivered or given-up) alert deliveries older than the raw retention */
  alertDeliveriesDeleted: number;
  /** heartbeat pushes older than the raw retention (applied long ago) */
  heartbeatPushesDeleted: number;
}
/** A report of a round that deleted nothing (another node held the job, or nothing was due). */
export function emptyRetentionReport(): RetentionReport {
  return { rawDeleted: 0, rollupsDeleted: 0, incidentsDeleted: 0, alertDeliveriesDeleted: 0, heartbeatPushesDeleted: 0 };
}

interface SizeReport {
  /** main database file + WAL, bytes */
  fileBytes: number;
  walBytes: number;
  /** free pages × page size (reclaimable by vacuum) */
  freeBytes: number;
  rawResults: number;
  rollups: number;
  targets: number;
  incidents: number;
}

// ---------------------------------------------------------------- incidents

export interface Incident {
  id: number;
  targetId: string;
  openedAt: number;
  closedAt: number | null;
  /** the error kind of the result that opened it (null when the result had none) */
  errorKind: ErrorKind | null;
  /** the latest bad result's error kind and detail */
  lastErrorKind: ErrorKind | null;
  lastDetail: string | null;
  /** bad results seen while open (including the ones that opened it) */
  failureCount: number;
  /**
   * every result that opened it was taken while the probe was degraded (domain/probe-load.ts);
   * for a quorum incident: every region that saw it down concluded so on such results
   */
  openedWhileProbeDegraded: boolean;
  /** many nodes: which regions saw what when it was last decided; null for one node alone and for older incidents */
  regions: IncidentRegions | null;
  updatedAt: number;
}

export interface OpenIncidentInput {
  targetId: string;
  openedAt: number;
  errorKind: ErrorKind | null;
  detail: string | null;
  failureCount: number;
  /** the opening results were all taken while the probe was degraded; absent = false */
  probeDegraded?: boolean;
  /** which regions saw what (many nodes); absent = null */
  regions?: IncidentRegions | null;
}

export interface UpdateIncidentInput {
  at: number;
  errorKind: ErrorKind | null;
  detail: string | null;
  /** added to failureCount */
  failuresAdded: number;
  /** which regions saw what now; absent = unchanged */
  regions?: IncidentRegions | null;
}

export interface IncidentQuery {
  targetId?: string;
  state?: 'open' | 'closed' | 'all';
  /** 1..1000, default 100 */
  limit?: number;
  cursor?: string | null;
}

/** Open incidents first, then newest `openedAt` first. */
export interface IncidentPage {
  items: Incident[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------- maintenance windows

/**
 * A maintenance window as stored: its input form (re-validated whenever it is loaded, like a
 * target's) and where it came from. Config windows are replaced on reload; API ones are not.
 */
export interface MaintenanceWindowRecord {
  /** `[A-Za-z0-9][A-Za-z0-9._-]{0,63}` */
  id: string;
  source: TargetSource;
  input: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export type NewMaintenanceWindow = Omit<MaintenanceWindowRecord, 'createdAt' | 'updatedAt'>;

// ---------------------------------------------------------------- alert outbox

/**
 * One alert event to one channel, written before anything is sent (the outbox): the
 * dispatcher sends from here, with its retries, and a restart resumes what is pending. The
 * rows double as the delivery log. Delivery is at least once: an attempt that reached the
 * receiver but was not recorded before a crash is sent again with the same `id`.
 */
export type AlertDeliveryState = 'pending' | 'delivered' | 'failed';

export interface NewAlertDelivery {
  /** stable delivery id (`[A-Za-z0-9._:-]{1,128}`, a UUID): every attempt carries it, so a receiver can drop repeats */
  id: string;
  /** the channel's configured name (never its URL or secret) */
  channel: string;
  /** the alert event's type, and its target (null for probe-wide events): for logs and the FIFO below */
  eventType: string;
  targetId: string | null;
  /** the alert event as JSON text (at most 64 KiB); every attempt renders this same event */
  payload: string;
  createdAt: number;
}

export interface AlertDelivery extends NewAlertDelivery {
  state: AlertDeliveryState;
  /** attempts made; one aborted by shutdown is not counted */
  attempts: number;
  /** when a pending delivery is due (next attempt); for a finished one, unchanged since its last retry */
  nextAttemptAt: number;
  /** the last attempt's secret-free reason (`HTTP 503`, `ECONNREFUSED`, `timeout`); null after success */
  lastError: string | null;
  updatedAt: number;
}

/**
 * Takes due pending deliveries for `owner` for `leaseMs` (a node that dies mid-attempt
 * loses them when the lease runs out). Per (channel, target) deliveries go out in order:
 * one is claimable only when no older one for the same channel and target is pending.
 */
export interface AlertClaim {
  owner: string;
  nowMs: number;
  leaseMs: number;
  /** 1..1000 */
  limit: number;
}

/**
 * A delivery made at once, outside the outbox (`POST /api/v1/alerts/{name}/test`): written
 * already finished (one attempt), so it is in the delivery log but never claimed or retried.
 */
export interface FinishedAlertDelivery extends NewAlertDelivery {
  state: 'delivered' | 'failed';
  /** the secret-free reason of a failure; null when delivered */
  lastError: string | null;
  finishedAt: number;
}

/** How an attempt ended; `released` gives a claimed delivery back untouched (shutdown). */
export type AlertAttemptOutcome =
  | { readonly kind: 'delivered'; readonly atMs: number }
  | { readonly kind: 'retry'; readonly atMs: number; readonly nextAttemptAt: number; readonly error: string }
  | { readonly kind: 'failed'; readonly atMs: number; readonly error: string }
  | { readonly kind: 'released'; readonly atMs: number };

export interface AlertDeliveryQuery {
  state?: AlertDeliveryState;
  channel?: string;
  /** 1..1000, default 100 */
  limit?: number;
  cursor?: string | null;
}

/** Oldest first (the order they were enqueued). */
export interface AlertDeliveryPage {
  items: AlertDelivery[];
  nextCursor: string | null;
}

/**
 * Repeat-notify (docs/alerts.md): the last reminder slot taken for one open incident and one
 * channel. Kept in the store so whichever node sees the next slot due takes it, once.
 */
export interface AlertReminderSlot {
  channel: string;
  /** reminders taken so far for this incident and channel (1 after the first) */
  repeat: number;
  /** the nominal due time of the last slot taken: openedAt + k × repeatEvery */
  dueAt: number;
}

/** An open incident and the reminder slots taken for it. */
export interface OpenIncidentReminders {
  incident: Incident;
  slots: AlertReminderSlot[];
}

/** Where a page of open incidents starts: after this incident (by openedAt, then id). */
export interface IncidentPageAfter {
  readonly openedAt: number;
  readonly id: number;
}

/**
 * Takes one reminder slot: in one transaction, only while the incident (`targetId`,
 * `openedAt`) is still open and the channel's last slot is still `previousDueAt` (null: none
 * taken yet), records the slot (`repeat`, `dueAt`) and enqueues `delivery`. Two nodes taking
 * the same slot: one wins, the other gets false.
 */
export interface AlertReminderTake {
  targetId: string;
  openedAt: number;
  previousDueAt: number | null;
  repeat: number;
  dueAt: number;
  /** its channel and targetId are the slot's */
  delivery: NewAlertDelivery;
}

// ---------------------------------------------------------------- heartbeat and certificate-warning state

/**
 * What a heartbeat target's evaluator knows (docs/heartbeat.md), kept so a restarted daemon,
 * or another node taking the target over, resumes the deadlines instead of starting afresh.
 * One row per target and evaluating region (`default` for one node alone).
 */
export interface HeartbeatState {
  targetId: string;
  region: string;
  /** the last success or fail signal (epoch ms); null: none yet */
  lastSeenAt: number | null;
  /** set between a start and its success or fail */
  runStartedAt: number | null;
  /** the last missed period reported since lastSeenAt (null: none) */
  missedAt: number | null;
  /** when watching began (the base of the first deadline while no ping came) */
  sinceAt: number;
  /** the last push signal applied (HeartbeatSignal.seq); 0: none */
  signalSeq: number;
}

/** A push as a node received it, kept for the node that evaluates the target (many nodes). */
export interface NewHeartbeatSignal {
  targetId: string;
  type: 'success' | 'fail' | 'start';
  /** the exit code of a `/push/{token}/{code}` push; null for the named forms */
  exitCode: number | null;
  /** when the receiving node took it (epoch ms) */
  at: number;
}

export interface HeartbeatSignal extends NewHeartbeatSignal {
  /** increasing in the order signals were appended */
  seq: number;
}

/**
 * A token bucket kept in the store, shared by every node (docs/heartbeat.md, "Rate limits"):
 * one per target, `burst` pushes, then one more every `refillEveryMs`, on the pushes' `at`.
 */
export interface SignalRateLimit {
  burst: number;
  refillEveryMs: number;
}

/** The push was appended, or the target's shared bucket was empty (retry after `waitMs`). */
export type LimitedSignalAppend = { appended: HeartbeatSignal } | { waitMs: number };

/**
 * A target's certificate-expiry warning state (src/daemon/cert-expiry-watch.ts): the level
 * of its last judged chain and the chain expiry of the open warning, if one is open.
 */
export interface CertWarningState {
  targetId: string;
  level: 'ok' | 'warning' | 'critical';
  /** the chain expiry (ISO) the open warning was sent for: its key; null when none is open */
  warnedChainExpiresAt: string | null;
  updatedAt: number;
}

// ---------------------------------------------------------------- errors

/** A duplicate id/name, or a second open incident for one target. */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Caller passed something the store cannot accept (bad id, bad cursor, bad limit…). */
export class StoreInputError extends Error {
  override readonly name = 'StoreInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------- the interface

/** Anything that can persist a batch of results in one transaction (the pipeline's sink). */
export interface ResultSink {
  insertResults(batch: readonly StoredResult[]): Promise<void>;
}

/** One target's outcome in `upsertTargets` (plain data: it crosses worker threads). */
export type UpsertOutcome =
  | { readonly ok: true; readonly record: TargetRecord }
  | { readonly ok: false; readonly field: string; readonly message: string };

export interface Store extends ResultSink {
  listTargets(): Promise<TargetRecord[]>;
  getTarget(id: string): Promise<TargetRecord | null>;
  /** throws StoreConflictError on a duplicate id or name */
  createTarget(target: NewTarget, nowMs: number): Promise<TargetRecord>;
  /** null when no such target; throws StoreConflictError on a duplicate name */
  updateTarget(id: string, patch: TargetPatch, nowMs: number): Promise<TargetRecord | null>;
  /** creates or replaces (keeps createdAt); used by config reload */
  upsertTarget(target: NewTarget, nowMs: number): Promise<TargetRecord>;
  /**
   * Many upserts in one transaction (a config with 100,000 targets); each target succeeds or
   * fails on its own, in order. A target equal to the stored row is not rewritten: its record
   * keeps the stored updatedAt.
   */
  upsertTargets(targets: readonly NewTarget[], nowMs: number): Promise<UpsertOutcome[]>;
  /**
   * removes the target and its heartbeat state, pending signals and certificate-warning state;
   * its results and incidents stay until retention removes them
   */
  deleteTarget(id: string): Promise<boolean>;

  queryResults(query: ResultQuery): Promise<ResultPage>;
  /**
   * For each target (at most 1000), its newest `perTarget` (1..10000) results started in
   * [fromMs, toMs), newest first as queryResults orders them, timing columns only; one call
   * for a whole status page. Unknown targets have none. Throws StoreInputError on bad input.
   */
  recentTimings(targetIds: readonly string[], fromMs: number, toMs: number, perTarget: number): Promise<ResultTiming[]>;
  uptime(targetId: string, window: UptimeWindow, nowMs: number): Promise<UptimeSummary>;
  latency(targetId: string, fromMs: number, toMs: number): Promise<LatencySummary>;
  /** rolls up every complete hour that ended at least `graceMs` before nowMs */
  rollup(nowMs: number, graceMs?: number): Promise<RollupReport>;
  listRollups(targetId: string, fromMs: number, toMs: number): Promise<HourlyRollup[]>;
  /**
   * Counts per UTC hour or day for buckets starting in [floor(fromMs), toMs), ascending,
   * only buckets that have results. Throws StoreInputError on a bad unit or range.
   */
  statusBuckets(targetId: string, unit: BucketUnit, fromMs: number, toMs: number): Promise<StatusBucket[]>;
  applyRetention(nowMs: number, policy?: RetentionPolicy): Promise<RetentionReport>;
  sizeReport(): Promise<SizeReport>;
  vacuum(): Promise<void>;

  openIncident(input: OpenIncidentInput): Promise<Incident>;
  updateIncident(id: number, input: UpdateIncidentInput): Promise<Incident | null>;
  closeIncident(id: number, closedAt: number): Promise<Incident | null>;
  getOpenIncident(targetId: string): Promise<Incident | null>;
  listIncidents(query?: IncidentQuery): Promise<IncidentPage>;

  /** every stored window, by id */
  listMaintenanceWindows(): Promise<MaintenanceWindowRecord[]>;
  /** creates or replaces (keeps createdAt) */
  putMaintenanceWindow(window: NewMaintenanceWindow, nowMs: number): Promise<MaintenanceWindowRecord>;
  deleteMaintenanceWindow(id: string): Promise<boolean>;

  /** writes deliveries in one transaction, each pending and due at createdAt; a known id is left as it is */
  enqueueAlertDeliveries(deliveries: readonly NewAlertDelivery[]): Promise<void>;
  claimAlertDeliveries(claim: AlertClaim): Promise<AlertDelivery[]>;
  /**
   * Records an attempt of a delivery `owner` holds (and ends the claim); null when it does not
   * hold it any more (lease expired and another node took it, or no such delivery).
   */
  finishAlertAttempt(id: string, owner: string, outcome: AlertAttemptOutcome): Promise<AlertDelivery | null>;
  listAlertDeliveries(query?: AlertDeliveryQuery): Promise<AlertDeliveryPage>;
  /** writes a delivery that already happened (a test alert) into the log, finished; a repeated id is ignored */
  recordAlertDelivery(delivery: FinishedAlertDelivery): Promise<void>;
  /**
   * One page of the open incidents, oldest first (openedAt, then id): at most
   * MAX_REMINDER_INCIDENTS (storage/alert-outbox.ts) after `after` (from the oldest without
   * it), each with its reminder slots, read in one snapshot.
   */
  listOpenIncidentReminders(after?: IncidentPageAfter | null): Promise<OpenIncidentReminders[]>;
  /** true when this call took the slot (and enqueued its delivery); false when it was taken or the incident closed */
  takeAlertReminder(take: AlertReminderTake): Promise<boolean>;

  /** the heartbeat states one region's evaluator kept, by target id */
  listHeartbeatStates(region: string): Promise<HeartbeatState[]>;
  /** creates or replaces the (target, region) row */
  putHeartbeatState(state: HeartbeatState): Promise<void>;
  /** appends a push for the evaluating node; returns it with its seq */
  appendHeartbeatSignal(signal: NewHeartbeatSignal): Promise<HeartbeatSignal>;
  /** the same, only when the target's bucket has a push left (taken in the same transaction) */
  appendHeartbeatSignalWithin(signal: NewHeartbeatSignal, limit: SignalRateLimit): Promise<LimitedSignalAppend>;
  /**
   * Signals of these targets not yet applied in `region` (seq above the region's state's
   * signalSeq, every kept one when it has no state), oldest first, at most `limit` (1..1000).
   */
  pendingHeartbeatSignals(region: string, targetIds: readonly string[], limit: number): Promise<HeartbeatSignal[]>;

  listCertWarnings(): Promise<CertWarningState[]>;
  /** creates or replaces the target's row */
  putCertWarning(state: CertWarningState): Promise<void>;

  close(): Promise<void>;
}

export type { CheckStatus };
