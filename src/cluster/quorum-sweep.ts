/**
 * Regions come and go without a result of the target's saying so: a region whose only node
 * died leaves the quorum, one that joins enters it. Every few seconds each node decides again
 * the incidents of the targets it checks that are down somewhere or have an open incident
 * (few, and serialized per target by the advisory lock in regional-incidents.ts).
 */
import type pg from 'pg';
import type { ClusterStats } from '../daemon/daemon-handle.js';
import type { Logger } from '../daemon/logger.js';
import { quorumCandidates } from './regional-incidents.js';
import type { ShardLeaser } from './shard-leaser.js';

const SWEEP_EVERY_MS = 5_000;

interface SweepHost {
  reevaluateIncident(id: string): void;
}

export function startQuorumSweep(pool: pg.Pool, host: SweepHost, owns: (id: string) => boolean, log: Logger, everyMs = SWEEP_EVERY_MS): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    quorumCandidates(pool)
      .then((ids) => {
        for (const id of ids) if (owns(id)) host.reevaluateIncident(id);
      })
      .catch((err: unknown) => log.warn(`cluster: quorum sweep failed (retried): ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** This node's region and the regions' liveness as of the leaser's last tick. */
export function clusterStats(region: string, leaser: ShardLeaser | null): ClusterStats {
  const regions = leaser?.state().regions ?? [];
  return { region, regions, regionsWithoutLiveNode: regions.filter((r) => r.liveNodes === 0).map((r) => r.name) };
}
