/**
 * Picks up targets created, changed or deleted through ANY node's API: every syncEveryMs
 * (default 2 s) one cheap query (two change counters kept by triggers); only when that
 * changed, the targets written and deleted since the last read are read (Postgres migration
 * 13: a row's writing transaction, tombstones; `readTargetChanges`) and the running set
 * reconciled — the whole list only on the first round, and when the last whole-list read
 * (or the start) is older than FULL_READ_AFTER_MS; tombstones older than
 * TOMBSTONE_MAX_AGE_MS are dropped at that read. Polling, not
 * LISTEN/NOTIFY: one query per node every 2 s costs nothing, and it cannot miss an event
 * while a connection is down.
 *
 * The maintenance windows are synced by the same round (both digests in one statement).
 *
 * The API's target and maintenance-window endpoints and the status pages also ask for a round
 * before they answer (`fresh`, src/api/shared-reads.ts), so a change made through another node
 * is seen at once, not at the next tick.
 */
import type { Logger } from '../daemon/logger.js';
import type { TargetHost } from '../daemon/target-host.js';
import { parseTargetInput } from '../config/target-definition.js';
import type pg from 'pg';
import { targetInputOf } from '../storage/store.js';
import { sameTarget, storedForm, toNewTarget } from '../daemon/target-registry.js';
import type { SharedWindows } from '../daemon/maintenance-window-host.js';
import { pruneTargetTombstones, readTargetChanges } from '../storage/postgres/pg-targets-repo.js';

const DEFAULT_SYNC_EVERY_MS = 2_000;
/**
 * A round whose last whole-list read (or start) is older than this reads the whole list again:
 * a safety net, the place tombstones are pruned (a node that reads changes every 2 s must
 * still prune), and the bound below (a read of changes never starts more than this far back).
 */
const FULL_READ_AFTER_MS = 3_600_000;
/** Tombstones older than this are dropped (at a whole-list read); far above FULL_READ_AFTER_MS. */
const TOMBSTONE_MAX_AGE_MS = 86_400_000;

/**
 * The change tokens: counters that a statement trigger bumps in the writing transaction when
 * a statement inserted, updated or deleted at least one row (Postgres migration 12). Every
 * committed change through any node moves them, whatever that node's clock said (a change in
 * the same millisecond as the previous one, or from a node whose clock is behind, too), and a
 * reader sees the bump exactly when the change commits. One primary-key read each: the cost
 * is the same at 100 or 100,000 targets (docs/cluster.md, "What a read-through costs").
 */
export const SYNC_TOKEN_SQL = `SELECT (SELECT version FROM change_counters WHERE name = 'targets')::text AS targets,
  (SELECT version FROM change_counters WHERE name = 'maintenance_windows')::text AS windows`;

/** What a sync needs to start from a list the daemon loaded itself: read before that load. */
export interface SyncStart {
  /** the targets' change token */
  readonly token: string;
  /** the oldest transaction running then: every change the load may have missed is at or after it */
  readonly xmin: string;
}

/** The reads a sync made (tests, diagnostics). */
interface SyncReads {
  /** rounds that read the whole list */
  readonly full: number;
  /** rounds that read only what changed */
  readonly changes: number;
  /** target rows read, both kinds */
  readonly rows: number;
}

export interface TargetSync {
  stop(): void;
  /**
   * Resolves after a round that *started after this call* has finished: every target change
   * committed (through any node) before the call is then in the running set. Concurrent
   * callers share rounds (at most one round runs, at most one waits), so a flood of API
   * requests costs at most one token query at a time. Rejects when the store is away.
   */
  fresh(): Promise<void>;
  reads(): SyncReads;
}

/** The store's change tokens now: the targets' and the maintenance windows'. */
async function readTokens(pool: pg.Pool): Promise<{ targets: string; windows: string }> {
  const { rows } = await pool.query<{ targets: string; windows: string }>(SYNC_TOKEN_SQL);
  return rows[0] as { targets: string; windows: string };
}

/**
 * The targets' change token and the oldest running transaction, now. Read before the daemon
 * loads its targets at start and given to `startTargetSync` as `primed`: if nothing changed
 * since, the first round reads no list, and if something did, only what changed.
 */
export async function readSyncStart(pool: pg.Pool): Promise<SyncStart> {
  const { rows } = await pool.query<{ targets: string; xmin: string }>(`SELECT t.targets, pg_snapshot_xmin(pg_current_snapshot())::text AS xmin FROM (${SYNC_TOKEN_SQL}) t`);
  const row = rows[0] as { targets: string; xmin: string };
  return { token: row.targets, xmin: row.xmin };
}

/**
 * `primed`: read before the running set was loaded from the store (every change committed
 * before it is in the set; a later one changes the token and has a transaction id at or
 * after its xmin). Without it the first round reads the whole list.
 */
/** The whole-list period and the tombstones' age (defaults above; tests shorten them). */
export interface SyncPeriods {
  readonly fullReadAfterMs?: number;
  readonly tombstoneMaxAgeMs?: number;
}

export function startTargetSync(
  pool: pg.Pool, host: TargetHost, windows: SharedWindows, log: Logger, everyMs = DEFAULT_SYNC_EVERY_MS, primed: SyncStart | null = null, periods: SyncPeriods = {},
): TargetSync {
  const fullReadAfterMs = periods.fullReadAfterMs ?? FULL_READ_AFTER_MS;
  const tombstoneMaxAgeMs = periods.tombstoneMaxAgeMs ?? TOMBSTONE_MAX_AGE_MS;
  let token: string | null = primed?.token ?? null;
  // where the next read of changes starts (null: read the whole list), and when the last whole-list read was
  let since: string | null = primed?.xmin ?? null;
  // the daemon's own load at start counts as a whole-list read
  let lastFullReadMs = performance.now();
  let windowsToken: string | null = null;
  let appliedWindowChanges = -1;
  const reads = { full: 0, changes: 0, rows: 0 };
  // The running set as the last round left it. This node's own API writes and config reloads
  // change it too; then the store is read again even if its token looks unchanged (a target
  // created here and deleted through another node leaves the store's token where it was).
  let appliedChanges = primed === null ? -1 : host.registry.changeCount;
  const round = async (): Promise<void> => {
    const { targets: next, windows: nextWindows } = await readTokens(pool);
    // maintenance windows the same way (their routes and the check path read this node's set)
    if (nextWindows !== windowsToken || windows.changeCount !== appliedWindowChanges) {
      await windows.reloadFromStore();
      windowsToken = nextWindows;
      appliedWindowChanges = windows.changeCount;
    }
    if (next === token && host.registry.changeCount === appliedChanges) return;
    const startedMs = performance.now();
    const isStale = startedMs - lastFullReadMs > fullReadAfterMs;
    const changes = await readTargetChanges(pool, isStale ? null : since);
    if (changes.isFull) reads.full++;
    else reads.changes++;
    reads.rows += changes.records.length;
    const seen = new Set<string>();
    for (const record of changes.records) {
      seen.add(record.id);
      // A config target's own `allowPrivateTargets` is not stored (the API may not set it):
      // every node reads the same config file, so the running definition keeps it. Regions
      // and quorum are stored (config file or API) and come from here.
      const running = host.registry.get(record.id);
      // a row equal to the running (validated) definition: nothing to do (a change to one
      // target of 100,000 costs one validation, not 100,000)
      if (running !== undefined && running.source === record.source && sameTarget(toNewTarget(running), storedForm(record))) continue;
      const fromConfig = record.source === 'config' && running?.source === 'config' ? running : null;
      const defaults = fromConfig === null ? host.defaults : { ...host.defaults, allowPrivateTargets: fromConfig.allowPrivateTargets };
      const parsed = parseTargetInput(targetInputOf(record), record.source, defaults);
      if (parsed.ok) host.schedule(parsed.target);
    }
    if (changes.isFull) {
      for (const view of host.registry.allViews()) if (!seen.has(view.id)) host.unschedule(view.id);
      // tombstones older than any read of changes may start from (pruned where a whole-list read happens, rarely)
      await pruneTargetTombstones(pool, tombstoneMaxAgeMs).catch((err: unknown) => log.warn(`cluster: dropping old target tombstones failed (retried at the next whole-list read): ${err instanceof Error ? err.message : String(err)}`));
    } else {
      for (const id of changes.deleted) if (host.registry.get(id) !== undefined) host.unschedule(id);
    }
    if (token !== null && next !== token) {
      log.info(changes.isFull ? `cluster: target set changed in the store; ${changes.records.length} targets now` : `cluster: target set changed in the store; ${changes.records.length} written, ${changes.deleted.length} deleted since the last read`);
    }
    token = next;
    since = changes.xmin;
    if (changes.isFull) lastFullReadMs = startedMs;
    appliedChanges = host.registry.changeCount;
  };
  // the round in flight, and the one queued behind it for callers that came while it ran
  let current: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const fresh = (): Promise<void> => {
    if (current === null) {
      const started: Promise<void> = round().finally(() => {
        if (current === started) current = null;
      });
      current = started;
      return started;
    }
    // the running round may have read the token before this caller's change committed
    queued ??= current
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return fresh();
      });
    return queued;
  };
  const timer = setInterval(() => {
    if (current !== null) return;
    fresh().catch((err: unknown) => log.warn(`cluster: target sync failed (retried): ${err instanceof Error ? err.message : String(err)}`));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), fresh, reads: () => ({ ...reads }) };
}
