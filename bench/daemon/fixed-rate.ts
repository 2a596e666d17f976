/**
 * Runs fresh-connection checks at a fixed rate for a bounded time (the executor alone, no
 * scheduler, storage or metrics): the measuring loop of executor-threads.ts, used both on
 * the main thread and inside each worker thread.
 */
import { buildClients, executeCheck } from '../../src/check/index.js';
import { BUILTIN_TARGET_DEFAULTS } from '../../src/config/target-definition.js';
import { parseTargetList } from '../../src/config/daemon-config.js';
import type { CheckSpec } from '../../src/domain/check-spec.js';

export interface FixedRateOptions {
  readonly endpoints: ReadonlyArray<{ address: string; port: number }>;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly maxInFlight: number;
}

export interface FixedRateReport {
  due: number;
  completed: number;
  /** due checks not started because maxInFlight were running */
  droppedAtCap: number;
  statuses: Record<string, number>;
  /** this thread's event-loop utilization over the run */
  eventLoopUtilization: number;
}

function specsFor(endpoints: FixedRateOptions['endpoints'], count: number): CheckSpec[] {
  const inputs = Array.from({ length: count }, (_, i) => {
    const e = endpoints[i % endpoints.length]!;
    return { id: `x${i}`, name: `x${i}`, check: { url: `http://${e.address}:${e.port}/x${i}`, timeoutMs: 5_000 } };
  });
  const { targets, errors } = parseTargetList(inputs, { ...BUILTIN_TARGET_DEFAULTS, allowPrivateTargets: true });
  if (errors.length > 0) throw new Error(`fixed-rate specs: ${errors[0]?.message}`);
  return targets.map((t) => t.spec);
}

export async function runFixedRate(o: FixedRateOptions): Promise<FixedRateReport> {
  const specs = specsFor(o.endpoints, 1_000);
  const clients = buildClients({ allowPrivateTargets: true });
  const report: FixedRateReport = { due: 0, completed: 0, droppedAtCap: 0, statuses: {}, eventLoopUtilization: 0 };
  let inFlight = 0;
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsedMs = Math.min(performance.now() - t0, o.durationMs);
      const dueNow = Math.floor((elapsedMs * o.ratePerSecond) / 1000);
      for (; report.due < dueNow; report.due++) {
        if (inFlight >= o.maxInFlight) {
          report.droppedAtCap++;
          continue;
        }
        inFlight++;
        void executeCheck(specs[report.due % specs.length]!, clients, {}).then((r) => {
          inFlight--;
          report.completed++;
          const key = r.errorKind ?? r.status;
          report.statuses[key] = (report.statuses[key] ?? 0) + 1;
        });
      }
      if (elapsedMs >= o.durationMs) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  report.eventLoopUtilization = Number(performance.eventLoopUtilization(performance.eventLoopUtilization(), elu0).utilization.toFixed(3));
  const drainDeadline = Date.now() + 10_000;
  while (inFlight > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
  await clients.close();
  return report;
}
