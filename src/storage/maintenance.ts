import type { RetentionPolicy, RetentionReport, RollupReport, Store } from './store.js';
import { DEFAULT_RETENTION } from './store.js';

const DEFAULT_MAINTENANCE_EVERY_MS = 5 * 60_000;

export interface MaintenanceOptions {
  store: Pick<Store, 'rollup' | 'applyRetention'>;
  /** how often to roll up and apply retention; default 5 min */
  everyMs?: number;
  policy?: RetentionPolicy;
  /** epoch-ms clock (injected for tests) */
  nowMs?: () => number;
  onReport?: (report: MaintenanceReport) => void;
  onError?: (err: unknown) => void;
}

export interface MaintenanceReport {
  rollup: RollupReport;
  retention: RetentionReport;
  durationMs: number;
}

export interface StorageMaintenance {
  /** runs one round now (waits for a round already running instead of overlapping it) */
  runNow(): Promise<MaintenanceReport>;
  /** stops the timer and waits for a running round */
  stop(): Promise<void>;
}

/**
 * The periodic storage job: roll up finished hours, then apply retention (in that order,
 * because retention only deletes raw hours that are rolled up). Rounds never overlap; the
 * timer does not keep the process alive. With the worker store both run in the maintenance
 * worker, off the event loop.
 */
export function startStorageMaintenance(options: MaintenanceOptions): StorageMaintenance {
  const everyMs = options.everyMs ?? DEFAULT_MAINTENANCE_EVERY_MS;
  if (!Number.isInteger(everyMs) || everyMs < 1_000) throw new RangeError(`everyMs: expected an integer of at least 1000, got ${everyMs}`);
  const nowMs = options.nowMs ?? Date.now;
  const policy = options.policy ?? DEFAULT_RETENTION;
  let running: Promise<MaintenanceReport> | null = null;

  const round = async (): Promise<MaintenanceReport> => {
    const startedMs = performance.now();
    const rollup = await options.store.rollup(nowMs());
    const retention = await options.store.applyRetention(nowMs(), policy);
    return { rollup, retention, durationMs: performance.now() - startedMs };
  };
  const runNow = (): Promise<MaintenanceReport> => {
    running ??= round().finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => {
    runNow().then(
      (report) => options.onReport?.(report),
      (err: unknown) => options.onError?.(err),
    );
  }, everyMs);
  timer.unref();
  return {
    runNow,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
