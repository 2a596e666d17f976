/**
 * Every metric name Vigil exports, in one place (Prometheus naming: base units, seconds,
 * `_total` for counters). docs/api.md lists them with their labels; a test checks the
 * exposition contains each of them.
 */
export const METRIC = {
  /** counter{status, error_kind}: results produced (error_kind="none" on success) */
  checksTotal: 'vigil_checks_total',
  /** histogram{phase}: dns, connect, tls, ttfb, receive, total — only phases that happened */
  checkPhaseDurationSeconds: 'vigil_check_phase_duration_seconds',
  /** histogram: actual start − due time of scheduled checks */
  schedulingLagSeconds: 'vigil_scheduling_lag_seconds',
  /** gauge: the probe's event-loop delay (p99 of the last sampling window) */
  probeEventLoopDelaySeconds: 'vigil_probe_event_loop_delay_seconds',
  /** gauge: 1 while the "probe degraded" internal alert is raised */
  probeDegraded: 'vigil_probe_degraded',
  /** gauge{region}: live nodes per region of the cluster (0 = nobody checks from there); absent for one node alone */
  clusterRegionLiveNodes: 'vigil_cluster_region_live_nodes',
  /** gauge: targets scheduled */
  targets: 'vigil_targets',
  /** gauge: targets with a timer on this node (many nodes: those in the shards it holds) */
  targetsArmed: 'vigil_targets_armed',
  /** gauge: checks running now, and the global cap */
  checksInFlight: 'vigil_checks_in_flight',
  checksInFlightLimit: 'vigil_checks_in_flight_limit',
  /** gauge: due checks waiting for a place under the cap; counter: those that started after waiting */
  checksWaiting: 'vigil_checks_waiting',
  checksWaitedTotal: 'vigil_checks_waited_total',
  /** counter{reason}: due checks that did not run (skipped_in_flight, dropped_global_cap, missed_late) */
  checkDropsTotal: 'vigil_check_drops_total',
  /** gauge: results waiting in the batcher */
  resultQueueDepth: 'vigil_result_queue_depth',
  /** counter{reason}: results lost before storage (buffer_full, flush_failed, …) */
  resultDropsTotal: 'vigil_result_drops_total',
  /** counter: results written to storage, and failed write attempts */
  storageWritesTotal: 'vigil_storage_writes_total',
  storageWriteFailuresTotal: 'vigil_storage_write_failures_total',
  /** gauge{state}: circuit breakers per state (closed, open, half_open) */
  circuitBreakers: 'vigil_circuit_breakers',
  /**
   * gauge{target}: the earliest notAfter of the target's certificate chain, epoch seconds
   * (blackbox_exporter's convention), from its latest result that carried one
   */
  tlsCertExpiryTimestampSeconds: 'vigil_tls_cert_expiry_timestamp_seconds',
  /** counter{webhook, outcome}: alert deliveries (delivered, failed, retried) */
  alertDeliveriesTotal: 'vigil_alert_deliveries_total',
} as const;

/** Seconds. Checks run from sub-millisecond (loopback) to the 10 s default budget and beyond. */
export const PHASE_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds. The scale goal is p99 < 50 ms, so the buckets are dense around it. */
export const LAG_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
