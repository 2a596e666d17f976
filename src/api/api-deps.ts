import type { DaemonHandle } from '../daemon/daemon-handle.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { LatestResults } from '../status-page/latest-results.js';

/** What route handlers need; built once per server by `startApiServer`. */
export interface ApiDeps {
  readonly handle: DaemonHandle;
  readonly metrics: DaemonMetrics;
  /** the newest result per target, kept from the handle's result events (status page) */
  readonly latest: LatestResults;
  /** epoch ms (injectable for tests) */
  now(): number;
}
