import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PHASES, timingKey, type CheckResult } from '../domain/check-result.js';
import { isErrorKind } from '../domain/error-kind.js';
import type { DaemonHandle, DaemonStats, ScheduledResult } from '../daemon/daemon-handle.js';
import { DEFAULT_MAX_WAIT_MS } from '../scheduler/scheduler.js';
import { LAG_BUCKETS_SECONDS, METRIC, PHASE_BUCKETS_SECONDS } from './metric-names.js';

/** The daemon's metrics: one prom-client Registry per daemon, never the global default. */
export interface DaemonMetrics {
  readonly registry: Registry;
  /** the Prometheus text exposition */
  render(): Promise<string>;
  readonly contentType: string;
  /** stops listening to results */
  close(): void;
}

/** The subset of the handle metrics read: results and stats, nothing that changes state. */
export type MetricsSource = Pick<DaemonHandle, 'onResult' | 'stats'>;

/**
 * Builds the registry and subscribes to results. Per-result metrics are recorded as results
 * arrive; daemon stats (queue depth, drops, breakers, alert deliveries) are read from
 * `stats()` once per scrape, so a scrape always sees one consistent snapshot.
 */
export function createDaemonMetrics(source: MetricsSource): DaemonMetrics {
  const registry = new Registry();
  const recordResult = registerResultMetrics(registry);
  let snapshot: DaemonStats | null = null;
  registerStatsMetrics(registry, () => snapshot);
  const unsubscribe = source.onResult((event) => recordResult(event));
  return {
    registry,
    contentType: registry.contentType,
    render() {
      // Overlapping scrapes both read the latest snapshot; that is still one consistent one.
      snapshot = source.stats();
      return registry.metrics();
    },
    close: unsubscribe,
  };
}

function registerResultMetrics(registry: Registry): (event: ScheduledResult) => void {
  const checks = new Counter({
    name: METRIC.checksTotal,
    help: 'Check results produced, by status and error kind (error_kind="none" on success).',
    labelNames: ['status', 'error_kind'],
    registers: [registry],
  });
  const phases = new Histogram({
    name: METRIC.checkPhaseDurationSeconds,
    help: 'Duration of each check phase in seconds; a phase that did not happen is not observed.',
    labelNames: ['phase'],
    buckets: PHASE_BUCKETS_SECONDS,
    registers: [registry],
  });
  const certExpiry = new Gauge({
    name: METRIC.tlsCertExpiryTimestampSeconds,
    help: "Earliest expiry (notAfter) over the target's TLS certificate chain, as a Unix timestamp in seconds.",
    labelNames: ['target'],
    registers: [registry],
  });
  const lag = new Histogram({
    name: METRIC.schedulingLagSeconds,
    help: 'Scheduled checks: actual start minus due time, in seconds.',
    buckets: LAG_BUCKETS_SECONDS,
    registers: [registry],
  });
  // Children are bound once per label set: the per-result path does no label lookups
  // beyond prom-client's own hash, and allocates nothing.
  const checkCounters = new Map<string, { inc(): void }>();
  const counterFor = (status: string, errorKind: string): { inc(): void } => {
    const key = `${status}\u0000${errorKind}`;
    let child = checkCounters.get(key);
    if (child === undefined) {
      child = checks.labels(status, errorKind);
      checkCounters.set(key, child);
    }
    return child;
  };
  const phaseChildren = PHASES.map((phase) => ({ key: timingKey(phase), child: phases.labels(phase) }));
  return (event) => {
    const { result } = event;
    counterFor(result.status, errorKindLabel(result)).inc();
    const t = result.timings;
    for (const { key, child } of phaseChildren) {
      const ms = t[key];
      if (ms !== null) child.observe(ms / 1000);
    }
    if (event.trigger === 'schedule') lag.observe(Math.max(0, event.schedulingLagMs) / 1000);
    const chainExpiresAt = result.tls?.chainExpiresAt;
    if (chainExpiresAt !== null && chainExpiresAt !== undefined) certExpiry.set({ target: event.targetId }, Date.parse(chainExpiresAt) / 1000);
  };
}

/** error_kind is a closed set; anything else (a bug) is folded into "other", never a new label. */
function errorKindLabel(result: CheckResult): string {
  if (result.errorKind === null) return 'none';
  return isErrorKind(result.errorKind) ? result.errorKind : 'other';
}

type StatsReader = () => DaemonStats | null;

function registerStatsMetrics(registry: Registry, read: StatsReader): void {
  const gauge = (name: string, help: string, value: (s: DaemonStats) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const s = read();
        if (s !== null) this.set(value(s));
      },
    });
  };
  gauge(METRIC.targets, 'Targets scheduled.', (s) => s.scheduler.targets);
  gauge(METRIC.targetsArmed, 'Targets with a timer on this node (many nodes: those in the shards it holds).', (s) => s.scheduler.armed);
  gauge(METRIC.checksInFlight, 'Checks running now.', (s) => s.scheduler.inFlight);
  gauge(METRIC.checksInFlightLimit, 'Global cap on checks in flight.', (s) => s.scheduler.maxInFlight);
  gauge(METRIC.checksWaiting, `Due checks waiting for a place under the cap (each starts within ${DEFAULT_MAX_WAIT_MS / 1000} s of its due time, at most half its interval, or is dropped and counted).`, (s) => s.scheduler.waiting);
  gauge(METRIC.resultQueueDepth, 'Results waiting in the batcher.', (s) => s.pipeline.queueDepth);
  gauge(METRIC.probeEventLoopDelaySeconds, "The probe's event-loop delay in seconds.", (s) => s.probe.eventLoopDelayMs / 1000);
  gauge(METRIC.probeDegraded, '1 while the probe-degraded internal alert is raised.', (s) => (s.probe.degraded ? 1 : 0));
  new Gauge({
    name: METRIC.clusterRegionLiveNodes,
    help: 'Live nodes per region of the cluster (0: no node checks from that region).',
    labelNames: ['region'],
    registers: [registry],
    collect() {
      const s = read();
      if (s?.cluster === undefined) return;
      this.reset();
      for (const r of s.cluster.regions) this.set({ region: r.name }, r.liveNodes);
    },
  });
  registerStatsCounters(registry, read);
}

function registerStatsCounters(registry: Registry, read: StatsReader): void {
  // Counters mirror cumulative totals kept by the daemon: each scrape resets and re-adds them,
  // so the exported value is exactly the daemon's count (never double-counted).
  const counter = (name: string, help: string, labelNames: string[], rows: (s: DaemonStats) => Array<[Record<string, string>, number]>): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        const s = read();
        if (s === null) return;
        this.reset();
        for (const [labels, value] of rows(s)) this.inc(labels, Math.max(0, value));
      },
    });
  };
  counter(METRIC.checkDropsTotal, 'Due checks that did not run, by reason.', ['reason'], (s) =>
    Object.entries(s.scheduler.drops).map(([reason, n]) => [{ reason }, n]),
  );
  counter(METRIC.checksWaitedTotal, 'Due checks that found the cap full and started after waiting (late by the wait).', [], (s) => [[{}, s.scheduler.waitedTotal]]);
  counter(METRIC.resultDropsTotal, 'Results lost before storage, by reason.', ['reason'], (s) =>
    Object.entries(s.pipeline.dropped).map(([reason, n]) => [{ reason }, n]),
  );
  counter(METRIC.storageWritesTotal, 'Results written to storage.', [], (s) => [[{}, s.pipeline.writtenTotal]]);
  counter(METRIC.storageWriteFailuresTotal, 'Failed storage write attempts.', [], (s) => [[{}, s.pipeline.writeFailuresTotal]]);
  counter(METRIC.alertDeliveriesTotal, 'Alert deliveries by webhook and outcome (delivered, failed, retried).', ['webhook', 'outcome'], (s) =>
    s.alerts.flatMap((a): Array<[Record<string, string>, number]> => [
      [{ webhook: a.webhook, outcome: 'delivered' }, a.deliveredTotal],
      [{ webhook: a.webhook, outcome: 'failed' }, a.failedTotal],
      [{ webhook: a.webhook, outcome: 'retried' }, a.retriesTotal],
    ]),
  );
  new Gauge({
    name: METRIC.circuitBreakers,
    help: 'Per-host circuit breakers in each state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const s = read();
      if (s === null) return;
      this.set({ state: 'closed' }, s.breakers.closed);
      this.set({ state: 'open' }, s.breakers.open);
      this.set({ state: 'half_open' }, s.breakers.halfOpen);
    },
  });
}
