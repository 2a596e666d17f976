/**
 * Was the probe itself saturated when a result was taken? A check that started late
 * (scheduling lag) or whose callbacks ran late (event-loop delay) measured the probe as much
 * as the target: its timings are inflated and a timeout may be the probe's. Such results are
 * flagged in the API and on the status page, and an incident opened only by such results is
 * marked (docs/daemon.md "Probe health"). One definition, read by daemon, API and status page.
 */
export const PROBE_LOAD_LIMITS = Object.freeze({
  /** a scheduled check that started this late: the scheduler could not keep up */
  schedulingLagMs: 1_000,
  /** the event loop this far behind when the check started: its marks are late by about as much */
  loopDelayMs: 50,
});

export type ProbeLoadReason = 'scheduling_lag' | 'loop_delay';

/** The reasons a result counts as taken while the probe was degraded; empty when it was not. */
export function probeLoadReasons(schedulingLagMs: number, loopDelayMs: number): ProbeLoadReason[] {
  const reasons: ProbeLoadReason[] = [];
  if (schedulingLagMs >= PROBE_LOAD_LIMITS.schedulingLagMs) reasons.push('scheduling_lag');
  if (loopDelayMs >= PROBE_LOAD_LIMITS.loopDelayMs) reasons.push('loop_delay');
  return reasons;
}
