/**
 * Picks up targets created, changed or deleted through ANY node's API: every syncEveryMs
 * (default 2 s) one cheap query (count and newest updated_at); only when that changed, the
 * full list is read and the running set reconciled. Polling, not LISTEN/NOTIFY: one query
 * per node every 2 s costs nothing, and it cannot miss an event while a connection is down.
 */
import type { Logger } from '../daemon/logger.js';
import type { TargetHost } from '../daemon/target-host.js';
import { parseTargetInput } from '../config/target-definition.js';
import type pg from 'pg';
import { targetInputOf } from '../storage/store.js';

const DEFAULT_SYNC_EVERY_MS = 2_000;

export interface TargetSync {
  stop(): void;
  /** one round now (tests) */
  syncNow(): Promise<void>;
}

export function startTargetSync(pool: pg.Pool, host: TargetHost, log: Logger, everyMs = DEFAULT_SYNC_EVERY_MS): TargetSync {
  let token: string | null = null;
  let running: Promise<void> | null = null;
  const round = async (): Promise<void> => {
    const { rows } = await pool.query<{ n: number; u: number | null; ids: string }>(
      `SELECT count(*) AS n, max(updated_at) AS u, md5(coalesce(string_agg(id, ',' ORDER BY id), '')) AS ids FROM targets`,
    );
    const next = JSON.stringify(rows[0]);
    if (next === token) return;
    const records = await host.store.listTargets();
    const seen = new Set<string>();
    for (const record of records) {
      seen.add(record.id);
      // A config target's own `allowPrivateTargets` is not stored (the API may not set it):
      // every node reads the same config file, so the running definition keeps it. Regions
      // and quorum are stored (config file or API) and come from here.
      const running = host.registry.get(record.id);
      const fromConfig = record.source === 'config' && running?.source === 'config' ? running : null;
      const defaults = fromConfig === null ? host.defaults : { ...host.defaults, allowPrivateTargets: fromConfig.allowPrivateTargets };
      const parsed = parseTargetInput(targetInputOf(record), record.source, defaults);
      if (parsed.ok) host.schedule(parsed.target);
    }
    for (const view of host.registry.allViews()) if (!seen.has(view.id)) host.unschedule(view.id);
    if (token !== null) log.info(`cluster: target set changed in the store; ${records.length} targets now`);
    token = next;
  };
  const timer = setInterval(() => {
    running ??= round()
      .catch((err: unknown) => log.warn(`cluster: target sync failed (retried): ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => (running = null));
  }, everyMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    syncNow: () => round(),
  };
}
