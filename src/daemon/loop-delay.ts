import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * The probe's own load: event-loop delay p99 over the last sampling window (ms). Each result
 * carries it, so "target slow" can be told from "probe overloaded".
 */
export interface LoopDelaySampler {
  currentMs(): number;
  close(): void;
}

export function startLoopDelaySampler(windowMs = 1_000): LoopDelaySampler {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let lastMs = 0;
  const timer = setInterval(() => {
    lastMs = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
    histogram.reset();
  }, windowMs);
  timer.unref();
  return {
    currentMs: () => lastMs,
    close() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}
