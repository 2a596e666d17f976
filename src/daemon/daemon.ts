/**
 * The running daemon: scheduler → check runner → (pipeline → store) + incidents + alerts +
 * probe health + listeners. It implements DaemonHandle for the API, metrics and status page.
 * Every dependency is built by the composition root (main.ts) and passed in.
 */
import { setMaxListeners } from 'node:events';
import type { AlertDispatcher } from '../alerts/alert-dispatcher.js';
import { alertOfIncident } from '../alerts/alert-event.js';
import { formatPendingReport } from '../alerts/delivery-report.js';
import type { DaemonConfig } from '../config/daemon-config.js';
import type { TargetDefaults, TargetDefinition } from '../config/target-definition.js';
import type { IncidentEvent } from '../incidents/incident-events.js';
import type { ResultPipeline } from '../pipeline/pipeline-types.js';
import type { Clock } from '../scheduler/clock.js';
import { Scheduler, type ScheduledJob } from '../scheduler/scheduler.js';
import type { Store, TargetRecord } from '../storage/store.js';
import type { AlertsPort, BreakerStats, ClusterStats, DaemonHandle, DaemonStats, Readiness, ScheduledResult, TargetMutation, TargetView, TestSpecOutcome } from './daemon-handle.js';
import { createCheckRunner, type CheckRunner, type ClientSet, type ExecuteFn } from './check-runner.js';
import type { IncidentPort } from './incident-port.js';
import type { Logger } from './logger.js';
import { probeLoadReasons } from '../domain/probe-load.js';
import { redactResult } from '../domain/redact.js';
import { ProbeHealthMonitor, type ProbeHealthTransition } from './probe-health.js';
import { hostOfSpec } from '../resilience/circuit-key.js';
import { TargetRegistry } from './target-registry.js';
import { applyConfigTargets, loadStoredTargets, type ConfigApplyReport } from './config-apply.js';
import { createApiTarget, deleteApiTarget, rotateApiPushToken, testTargetInput, updateApiTarget } from './target-ops.js';
import { MaintenanceWindowHost, type MaintenanceWindowsPort, type SharedWindows } from './maintenance-window-host.js';
import { CertExpiryWatch } from './cert-expiry-watch.js';
import { DEFAULT_REGION } from '../domain/region.js';
import { HeartbeatHost, type HeartbeatResult, type PushOutcome, type PushSignal } from './heartbeat-host.js';

const SHUTDOWN_GRACE_MS = 10_000;

export interface DaemonDeps {
  readonly store: Store;
  readonly pipeline: ResultPipeline;
  readonly incidents: IncidentPort;
  readonly alerts: AlertDispatcher;
  readonly execute: ExecuteFn;
  readonly clients: ClientSet;
  readonly clock: Clock;
  readonly loopDelayMs: () => number;
  readonly breakerStats: () => BreakerStats;
  readonly config: DaemonConfig;
  readonly log: Logger;
  /** many nodes on one store: does this node check the target now? (absent = every target) */
  readonly owns?: (targetId: string) => boolean;
  /**
   * many nodes: is the target this node's to check (its region, a shard it holds)? Only those
   * get a timer; `owns` is still asked when one is due (the lease may have lapsed). The
   * composition root calls `rearm` when the held shards change. Absent = every target.
   */
  readonly assigned?: (targetId: string) => boolean;
  /** many nodes on one store: the regions' liveness (absent = one node alone) */
  readonly cluster?: () => ClusterStats;
  /** the region this node checks from (absent = `default`): heartbeat state is kept per region */
  readonly region?: string;
  /** many nodes on one store: bring the running target set up to the store's (DaemonHandle.syncTargets) */
  readonly syncTargets?: () => Promise<void>;
}

export class Daemon implements DaemonHandle {
  readonly store: Store;
  readonly registry = new TargetRegistry();
  readonly scheduler: Scheduler;
  private readonly windows: MaintenanceWindowHost;
  private readonly heartbeats: HeartbeatHost;
  /** one warning alert per crossing of certExpiryWarnDays, closed back at ok or on removal; kept in the store */
  private readonly certWatch: CertExpiryWatch;
  /** resolves when the certificate-warning state writes made so far are done */
  private readonly certWritesIdle: () => Promise<void>;
  private readonly deps: DaemonDeps;
  private readonly runner: CheckRunner;
  private readonly health: ProbeHealthMonitor;
  private readonly abort = new AbortController();
  private readonly listeners = new Set<(event: ScheduledResult) => void>();
  private readonly manualInFlight = new Set<Promise<unknown>>();
  /** probe-health host per definition, parsed once (not a URL parse per result) */
  private incidentWrites: Promise<void> = Promise.resolve();
  private healthTimer: ReturnType<typeof setInterval> | null = null;
  private degradedAt: number | null = null;
  /** why the daemon is still starting (e.g. waiting for Postgres), shown on /readyz */
  private startupNote: string | null = null;
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  defaults: TargetDefaults;
  readonly syncTargets?: () => Promise<void>;

  constructor(deps: DaemonDeps) {
    this.deps = deps;
    if (deps.syncTargets !== undefined) this.syncTargets = deps.syncTargets;
    this.store = deps.store;
    this.defaults = deps.config.defaults;
    this.health = new ProbeHealthMonitor(deps.config.probe.health);
    this.windows = new MaintenanceWindowHost(deps.store, deps.log, () => deps.clock.now());
    // Every check in flight listens to the one shutdown signal (up to maxInFlight listeners).
    setMaxListeners(0, this.abort.signal);
    this.runner = createCheckRunner({ execute: deps.execute, clients: deps.clients, loopDelayMs: deps.loopDelayMs, signal: this.abort.signal });
    this.scheduler = new Scheduler({ clock: deps.clock, maxInFlight: deps.config.probe.maxInFlight, run: (job) => this.runScheduled(job) });
    ({ watch: this.certWatch, idle: this.certWritesIdle } = CertExpiryWatch.kept(deps.store, (message) => deps.log.error(message)));
    this.heartbeats = new HeartbeatHost({
      clock: deps.clock, emit: (produced) => this.onHeartbeat(produced), store: deps.store, region: deps.region ?? DEFAULT_REGION,
      logError: (message) => deps.log.error(message), ...(deps.owns === undefined ? {} : { owns: deps.owns }),
    });
  }

  /** Loads stored targets and the config's targets, then starts scheduling. */
  async start(config: DaemonConfig = this.deps.config): Promise<ConfigApplyReport> {
    const replaced = await loadStoredTargets(this, this.deps.log, config);
    // a warning left open by a previous run is closed by the first good result (cert_resolved)
    this.certWatch.restore(await this.deps.store.listCertWarnings());
    await this.windows.load(config.maintenanceWindows);
    const report = await this.applyTargets(config, replaced);
    await this.deps.incidents.restoreOpen();
    // what a previous run left in the alert outbox goes out now; reminders of the incidents
    // still open go on from their slots in the store (alert-dispatcher.ts)
    this.deps.alerts.start();
    // the deadlines a previous run left (one node), or the sync rounds with the store (many)
    await this.heartbeats.start();
    this.scheduler.start();
    this.healthTimer = setInterval(() => this.onHealth(this.health.evaluate(this.deps.clock.now())), 1_000);
    this.healthTimer.unref();
    this.state = 'running';
    return report;
  }

  /** Replaces the config targets (SIGHUP). API targets and stored history are untouched. */
  async applyConfig(config: DaemonConfig): Promise<ConfigApplyReport> {
    await this.windows.applyConfig(config.maintenanceWindows);
    return this.applyTargets(config);
  }

  private applyTargets(config: DaemonConfig, stored?: ReadonlyMap<string, TargetRecord>): Promise<ConfigApplyReport> {
    this.defaults = config.defaults;
    return applyConfigTargets(this, config, this.deps.log, this.deps.clock.now(), stored);
  }

  get alerts(): AlertsPort {
    return this.deps.alerts;
  }

  get maintenance(): MaintenanceWindowsPort {
    return this.windows;
  }

  /** many nodes: the target sync brings in the windows other nodes wrote */
  get sharedWindows(): SharedWindows {
    return this.windows;
  }

  /** Puts a target into the running set (and the schedule when enabled). */
  schedule(target: TargetDefinition): void {
    const previous = this.registry.get(target.id);
    this.registry.set(target);
    // A changed check or confirmation count starts a fresh streak; an identical reload keeps it.
    const changed = previous !== undefined && (JSON.stringify(previous.checkInput) !== JSON.stringify(target.checkInput) || previous.confirmations !== target.confirmations);
    if (changed) this.deps.incidents.resetStreak(target.id);
    // Many regions: a target whose regions changed may now be checked from this node's region
    // again; its state there is re-read from the store (the region's verdict, which the quorum
    // decision drops for a region the target stopped naming), never resumed from memory.
    if (previous !== undefined && this.deps.owns !== undefined && JSON.stringify(previous.regions) !== JSON.stringify(target.regions)) this.resyncOne(target.id);
    if (target.spec.kind === 'heartbeat') {
      // pushed to, never polled (a target that became a heartbeat leaves the schedule)
      this.scheduler.remove(target.id);
      this.heartbeats.upsert(target);
      return;
    }
    this.heartbeats.remove(target.id);
    this.arm(target);
  }

  /** A timer for a polled, enabled target this node is assigned; none otherwise. */
  private arm(target: TargetDefinition): void {
    if (target.spec.kind !== 'heartbeat' && target.enabled && (this.deps.assigned?.(target.id) ?? true)) this.scheduler.upsert(target.id, target.intervalMs);
    else this.scheduler.remove(target.id);
  }

  /**
   * Many nodes: the shards this node holds changed; the targets `inShard` picks get a timer
   * or lose it by `assigned`. Returns how many were looked at.
   */
  rearm(inShard: (targetId: string) => boolean): number {
    let n = 0;
    for (const target of this.registry.all()) {
      if (!inShard(target.id)) continue;
      this.arm(target);
      n++;
    }
    return n;
  }

  /** Takes a target out (API delete, config reload): its open incident closes with one alert. */
  unschedule(id: string): void {
    const target = this.registry.get(id);
    this.scheduler.remove(id);
    this.heartbeats.remove(id);
    const certClosed = this.certWatch.remove(id);
    this.registry.delete(id);
    const events = this.deps.incidents.remove(id, this.deps.clock.now());
    if (target !== undefined) for (const event of events) this.onIncident(target, event);
    if (target !== undefined && certClosed !== null) this.deps.alerts.send({ ...certClosed, at: this.deps.clock.now(), target: { id: target.id, name: target.name, tags: target.tags } });
  }

  listTargets(): readonly TargetView[] {
    return this.registry.allViews();
  }

  getTarget(id: string): TargetView | undefined {
    return this.registry.view(id);
  }

  createTarget(input: unknown): Promise<TargetMutation> {
    return createApiTarget(this, input, this.deps.clock.now());
  }

  updateTarget(id: string, input: unknown): Promise<TargetMutation> {
    return updateApiTarget(this, id, input, this.deps.clock.now());
  }

  rotatePushToken(id: string): Promise<TargetMutation> {
    return rotateApiPushToken(this, id, this.deps.clock.now());
  }

  deleteTarget(id: string): Promise<TargetMutation> {
    return deleteApiTarget(this, id);
  }

  testSpec(input: unknown): Promise<TestSpecOutcome> {
    return testTargetInput(input, this.defaults, (target) => this.runner(target, this.deps.clock.now(), this.deps.clock.now(), 'manual'));
  }

  /** A push to a heartbeat target's URL (docs/heartbeat.md). */
  async push(token: string, signal: PushSignal): Promise<PushOutcome> {
    if (this.state !== 'running') return { ok: false, reason: 'unknown_token' };
    return this.heartbeats.push(token, signal);
  }

  async checkNow(id: string): Promise<ScheduledResult | undefined> {
    const target = this.registry.get(id);
    if (target === undefined || this.state !== 'running' || target.spec.kind === 'heartbeat') return undefined;
    const now = this.deps.clock.now();
    const run = this.runner(target, now, now, 'manual');
    this.manualInFlight.add(run);
    try {
      const scheduled = await run;
      this.handleResult(target, scheduled);
      return scheduled;
    } finally {
      this.manualInFlight.delete(run);
    }
  }

  onResult(listener: (event: ScheduledResult) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  stats(): DaemonStats {
    const c = this.scheduler.counters();
    const p = this.deps.pipeline.counters();
    return {
      scheduler: { ...c, targets: this.registry.size, armed: c.targets },
      pipeline: { queueDepth: p.queued, writtenTotal: p.written, writeFailuresTotal: p.flushFailures, dropped: { ...p.dropped } },
      breakers: this.deps.breakerStats(),
      alerts: this.deps.alerts.stats(),
      probe: { degraded: this.health.degraded, eventLoopDelayMs: this.deps.loopDelayMs(), failingHosts: this.health.failingHosts() },
      ...(this.deps.cluster === undefined ? {} : { cluster: this.deps.cluster() }),
    };
  }

  readiness(): Readiness {
    if (this.state === 'running') return this.deps.cluster === undefined ? { ready: true, reasons: [] } : { ready: true, reasons: [], regionsWithoutLiveNode: this.deps.cluster().regionsWithoutLiveNode };
    if (this.state === 'created') return { ready: false, reasons: this.startupNote === null ? ['starting'] : ['starting', this.startupNote] };
    return { ready: false, reasons: ['shutting down'] };
  }

  /** The composition root says what the start is waiting for (null: nothing in particular). */
  setStartupNote(note: string | null): void {
    this.startupNote = note;
  }

  /**
   * Stops scheduling, lets checks in flight finish (at most graceMs, then aborts them: the
   * executor resolves aborted checks at once), writes every result and incident, closes.
   */
  async shutdown(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.scheduler.stop();
    const heartbeatsStopped = this.heartbeats.stop();
    if (this.healthTimer !== null) clearInterval(this.healthTimer);
    const startedAt = this.deps.clock.now();
    const drained = Promise.all([this.scheduler.idle(), Promise.allSettled([...this.manualInFlight])]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([drained.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (timedOut) {
      this.deps.log.warn(`shutdown: checks still running after ${graceMs} ms; aborting them`);
      this.abort.abort();
      await drained;
    }
    await Promise.all([this.incidentWrites, heartbeatsStopped, this.certWritesIdle()]);
    const left = Math.max(1_000, graceMs - (this.deps.clock.now() - startedAt));
    const counters = await this.deps.pipeline.close(left);
    const pendingAlerts = formatPendingReport(await this.deps.alerts.close(Math.min(left, 5_000)));
    if (pendingAlerts !== null) this.deps.log.warn(pendingAlerts);
    await this.store.close();
    this.state = 'stopped';
    const lost = Object.values(counters.dropped).reduce((a, b) => a + b, 0);
    this.deps.log.info(`shutdown: ${counters.written} results written, ${lost} dropped, ${this.scheduler.counters().completedTotal} checks completed`);
  }

  private async runScheduled(job: ScheduledJob): Promise<void> {
    const target = this.registry.get(job.targetId);
    if (target === undefined) return;
    // another node holds this target's shard (or this node's lease lapsed: fenced)
    if (this.deps.owns !== undefined && !this.deps.owns(target.id)) return;
    const scheduled = await this.runner(target, job.dueAt, job.startedAt, 'schedule');
    this.handleResult(target, scheduled);
  }

  private onHeartbeat(produced: HeartbeatResult): void {
    if (this.state !== 'running') return;
    const target = this.registry.get(produced.target.id);
    if (target === undefined) return;
    const result = redactResult(produced.result, target.secretValues);
    this.handleResult(target, { targetId: target.id, result, dueAt: produced.dueAt, schedulingLagMs: 0, eventLoopDelayMs: this.deps.loopDelayMs(), trigger: produced.trigger });
  }

  /**
   * Inside a maintenance window a result is stored (flagged) and shown, but feeds neither the
   * incident tracker (its streak is frozen: no incident opens or resolves, so no alert) nor
   * probe health (a fleet-wide window must not look like a broken probe).
   */
  private handleResult(target: TargetDefinition, checked: ScheduledResult): void {
    const inMaintenance = this.windows.current().openFor(target, checked.result.startedAt) !== null;
    const scheduled: ScheduledResult = inMaintenance ? { ...checked, inMaintenance: true } : checked;
    const { result } = scheduled;
    this.deps.pipeline.write({
      targetId: target.id, result, dueAt: scheduled.dueAt, schedulingLagMs: scheduled.schedulingLagMs, loopDelayMs: scheduled.eventLoopDelayMs,
      ...(inMaintenance ? { inMaintenance: true as const } : {}),
    });
    // A check aborted by shutdown says nothing about the target: stored, but no incident. Nor
    // does a check that finished after its target was deleted (its incident is closed).
    const removed = this.registry.get(target.id) === undefined;
    // A heartbeat result is already a confirmed fact (a fail signal, or a whole period of
    // silence), so one opens or resolves the incident; the probe's load has no part in it.
    const isPushed = target.spec.kind === 'heartbeat';
    if (!inMaintenance && !removed && !(this.abort.signal.aborted && result.errorKind === 'internal')) {
      const probeDegraded = !isPushed && probeLoadReasons(scheduled.schedulingLagMs, scheduled.eventLoopDelayMs).length > 0;
      for (const event of this.deps.incidents.observe(target.id, isPushed ? 1 : target.confirmations, result, probeDegraded)) this.onIncident(target, event);
      const cert = this.certWatch.observe(target.id, target.spec, result);
      if (cert !== null) {
        if (cert.type === 'cert_expiring') this.deps.log.info(`certificate expiring: ${target.id} (${cert.daysLeft} d left, warning at ${cert.warnDays} d)`);
        else this.deps.log.info(`certificate warning closed: ${target.id} (${cert.daysLeft} d left)`);
        this.deps.alerts.send({ ...cert, at: result.startedAt, target: { id: target.id, name: target.name, tags: target.tags } });
      }
    }
    if (!inMaintenance && !isPushed) this.onHealth(this.health.observe(hostOfSpec(target.spec), result, this.deps.clock.now()));
    for (const listener of this.listeners) {
      try {
        listener(scheduled);
      } catch (err) {
        this.deps.log.error(`result listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /**
   * One node alone alerts as the event happens. Many nodes on one store (docs/cluster.md)
   * alert only what the store write says this node caused: a node that takes over a target
   * that is down finds its incident open (the unique index) and stays silent; with regions the
   * incident opens or closes when a quorum of regions agrees. A write that fails still
   * alerts the event (a duplicate is better than a missed page).
   */
  private onIncident(target: TargetDefinition, event: IncidentEvent): void {
    const shared = this.deps.owns !== undefined;
    this.chainIncident(target, () => this.deps.incidents.record(event), shared ? event : null);
    if (!shared) this.sendIncidentAlert(target, event);
  }

  /** Many regions: a region came or went; the target's incident is decided again. */
  reevaluateIncident(id: string): void {
    const target = this.registry.get(id);
    const reevaluate = this.deps.incidents.reevaluate;
    if (target === undefined || reevaluate === undefined) return;
    this.chainIncident(target, () => reevaluate(id), null);
  }

  private chainIncident(target: TargetDefinition, write: () => Promise<IncidentEvent | null>, onFailure: IncidentEvent | null): void {
    const shared = this.deps.owns !== undefined;
    this.incidentWrites = this.incidentWrites
      .then(write)
      .then(
        (caused) => {
          if (shared && caused !== null) this.sendIncidentAlert(target, caused);
        },
        (err: unknown) => {
          this.deps.log.error(`incident write failed for ${target.id}: ${err instanceof Error ? err.message : String(err)}`);
          if (onFailure !== null) this.sendIncidentAlert(target, onFailure);
        },
      )
      // the chain must never reject: the next event's write waits on it
      .catch((err: unknown) => this.deps.log.error(`incident alert failed for ${target.id}: ${err instanceof Error ? err.message : String(err)}`));
  }

  private sendIncidentAlert(target: TargetDefinition, event: IncidentEvent): void {
    const alert = alertOfIncident({ id: target.id, name: target.name, tags: target.tags }, event);
    if (alert === null) return;
    const why = event.type === 'opened' ? ` (${event.errorKind ?? 'failing'})` : event.type === 'resolved' && event.reason === 'target_removed' ? ' (target removed)' : '';
    this.deps.log.info(`incident ${event.type}: ${target.id}${why}`);
    this.deps.alerts.send(alert);
  }

  /** One target's incident state from the store, after the incident writes before it. */
  private resyncOne(id: string): void {
    this.incidentWrites = this.incidentWrites
      .then(() => this.deps.incidents.resync(new Set([id])))
      .catch((err: unknown) => this.deps.log.warn(`incident state of ${id} not re-read (kept): ${err instanceof Error ? err.message : String(err)}`));
  }

  /** A cluster node took these targets over: their incident and certificate-warning states come from the store. */
  async resyncIncidents(targetIds: ReadonlySet<string>): Promise<void> {
    const [, certs] = await Promise.all([this.deps.incidents.resync(targetIds), this.deps.store.listCertWarnings()]);
    this.certWatch.restore(certs, targetIds);
  }

  private onHealth(transition: ProbeHealthTransition | null): void {
    if (transition === null) return;
    const at = this.deps.clock.now();
    if (transition.type === 'degraded') {
      this.degradedAt = at;
      this.deps.log.warn(`probe degraded: ${transition.failingHosts} of ${transition.checkedHosts} hosts failing with transport errors`);
      this.deps.alerts.setProbeDegraded(true);
      const { failingHosts, checkedHosts, sampleHosts } = transition;
      this.deps.alerts.send({ type: 'probe_degraded', at, failingHosts, checkedHosts, sampleHosts, eventLoopDelayMs: this.deps.loopDelayMs() });
      return;
    }
    const suppressedAlerts = this.deps.alerts.suppressedSinceDegraded();
    this.deps.alerts.setProbeDegraded(false);
    this.deps.log.info(`probe recovered after ${transition.degradedForMs} ms`);
    this.deps.alerts.send({ type: 'probe_recovered', at, degradedForMs: this.degradedAt === null ? transition.degradedForMs : at - this.degradedAt, suppressedAlerts });
    this.degradedAt = null;
  }
}
