/**
 * Many `vigil serve` nodes on one Postgres share the targets through leases on 64 shards
 * per region (docs/cluster.md). A target belongs to shard fnv1a(id) mod 64; a node checks a
 * target only while it holds that shard's lease in its own region.
 *
 * Every tick (leaseMs / 5) a node, in one transaction: heartbeats; counts live nodes (a
 * heartbeat within leaseMs); renews its leases (expires_at = the database's now() + leaseMs);
 * gives back shards above its fair share ceil(64 / live); claims expired or free shards up to
 * it with FOR UPDATE SKIP LOCKED (two nodes never claim the same row).
 *
 * Fencing: the node trusts its leases until t0 + leaseMs − marginMs on ITS OWN monotonic
 * clock, t0 taken before the renewing transaction started. The database's expiry is
 * now()_db + leaseMs with now()_db ≥ t0 in real time, so a node cut off from the database
 * stops checking at least marginMs before any other node may take its shards (clock rates
 * differ by far less than the margin over 10 s). No consensus protocol of our own: the
 * database's row locks and clock decide.
 */
import type pg from 'pg';

export const SHARD_COUNT = 64;
export const DEFAULT_LEASE_MS = 10_000;
const DEFAULT_MARGIN_MS = 2_000;
const FORGET_AFTER = '1 day';

export function shardOf(targetId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < targetId.length; i += 1) {
    h ^= targetId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % SHARD_COUNT;
}

export interface LeaserOptions {
  pool: pg.Pool;
  nodeId: string;
  /** the node's region: it shares that region's 64 shards with the region's other nodes */
  region: string;
  apiUrl: string | null;
  /** the node's current event-loop lag in ms, reported with each heartbeat */
  lagMs?: () => number;
  leaseMs?: number;
  marginMs?: number;
  /**
   * awaited before newly leased shards are checked (the daemon re-reads their targets'
   * incident states from the store); when it fails they stay unchecked and it is retried
   * on the next tick
   */
  onGain?: (shards: ReadonlySet<number>) => Promise<void>;
  /**
   * told (synchronously) right after the held set changed — shards gained (after onGain),
   * released or lost to another node — and after stop(): the daemon arms and disarms
   * their targets' timers. `owns` already answers by the new set. Must not throw.
   */
  onHeld?: (change: { gained: ReadonlySet<number>; lost: ReadonlySet<number> }) => void;
  /** told when the owned set changes or a tick fails (for logs); must not throw */
  onChange?: (event: { owned: number; live: number; gained: number; released: number } | { error: string }) => void;
}

export interface RegionLiveness {
  name: string;
  /** nodes of the region whose heartbeat is within the lease */
  liveNodes: number;
}

export interface LeaseState {
  owned: readonly number[];
  live: number;
  /** every region a node has registered in (a dead node's row stays a day), as of the last tick */
  regions: readonly RegionLiveness[];
  /** local monotonic ms until which the leases are trusted (0 = none) */
  validUntilMs: number;
}

export class ShardLeaser {
  private readonly leaseMs: number;
  private readonly marginMs: number;
  private owned = new Set<number>();
  private validUntilMs = 0;
  private live = 0;
  private regions: RegionLiveness[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** the region's lease rows exist (the first node of a region creates them) */
  private seeded = false;

  constructor(private readonly options: LeaserOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
    if (!(this.marginMs > 0 && this.marginMs < this.leaseMs / 2)) throw new RangeError(`marginMs: expected more than 0 and less than half of leaseMs (${this.leaseMs})`);
  }

  /** Does this node check the target now? (lease held and not past its local expiry) */
  owns(targetId: string): boolean {
    return performance.now() < this.validUntilMs && this.owned.has(shardOf(targetId));
  }

  /** Does this node hold the target's shard (as of its last tick, whether or not the lease lapsed since)? */
  holds(targetId: string): boolean {
    return this.owned.has(shardOf(targetId));
  }

  state(): LeaseState {
    return { owned: [...this.owned].sort((a, b) => a - b), live: this.live, regions: this.regions, validUntilMs: this.validUntilMs };
  }

  /** First tick now (awaited), then every leaseMs / 5. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(200, Math.floor(this.leaseMs / 5)));
    this.timer.unref();
  }

  /** Stops ticking and gives the shards back at once (a clean stop hands over without waiting for expiry). */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    this.validUntilMs = 0;
    const before = this.owned;
    this.owned = new Set();
    this.tellHeld(before, this.owned);
    await this.options.pool
      .query(`UPDATE shard_leases SET owner = NULL, expires_at = '-infinity' WHERE owner = $1`, [this.options.nodeId])
      .then(() => this.options.pool.query('DELETE FROM cluster_nodes WHERE node_id = $1', [this.options.nodeId]))
      .catch(() => undefined);
  }

  private tellHeld(before: ReadonlySet<number>, after: ReadonlySet<number>): void {
    const gained = new Set([...after].filter((s) => !before.has(s)));
    const lost = new Set([...before].filter((s) => !after.has(s)));
    if (gained.size + lost.size > 0) this.options.onHeld?.({ gained, lost });
  }

  tick(): Promise<void> {
    this.running ??= this.renew().finally(() => (this.running = null));
    return this.running;
  }

  private async renew(): Promise<void> {
    const { pool, nodeId, region, apiUrl } = this.options;
    const t0 = performance.now();
    let client: pg.PoolClient | null = null;
    let broken: Error | undefined;
    // what this node checked before the tick (shards it gives back leave this.owned before the commit)
    const checkedBefore = this.owned;
    const onError = (err: Error): void => {
      broken = err;
    };
    try {
      client = await pool.connect();
      client.on('error', onError);
      if (!this.seeded) {
        await client.query(`INSERT INTO shard_leases (region, shard, owner) SELECT $1, s, NULL FROM generate_series(0, ${SHARD_COUNT - 1}) AS s ON CONFLICT DO NOTHING`, [region]);
        // a node dead for a day is forgotten (until then its region is reported without a live node)
        await client.query(`DELETE FROM cluster_nodes WHERE heartbeat_at < now() - interval '${FORGET_AFTER}'`);
        this.seeded = true;
      }
      await client.query('BEGIN');
      const lag = this.options.lagMs?.();
      await client.query(
        `INSERT INTO cluster_nodes (node_id, region, api_url, heartbeat_at, lag_ms) VALUES ($1, $2, $3, now(), $4)
         ON CONFLICT (node_id) DO UPDATE SET region = excluded.region, api_url = excluded.api_url, heartbeat_at = excluded.heartbeat_at, lag_ms = excluded.lag_ms`,
        [nodeId, region, apiUrl, lag !== undefined && Number.isFinite(lag) ? lag : null],
      );
      const lease = `${this.leaseMs} milliseconds`;
      // the fair share is of this region's shards among this region's live nodes
      const live = Number((await client.query<{ n: number }>(`SELECT count(*) AS n FROM cluster_nodes WHERE region = $2 AND heartbeat_at > now() - $1::interval`, [lease, region])).rows[0]?.n ?? 1);
      const regions = (
        await client.query<{ name: string; live: number }>(`SELECT region AS name, count(*) FILTER (WHERE heartbeat_at > now() - $1::interval)::int AS live FROM cluster_nodes GROUP BY region ORDER BY region`, [lease])
      ).rows.map((r) => ({ name: r.name, liveNodes: r.live }));
      const fair = Math.ceil(SHARD_COUNT / Math.max(1, live));
      const mine = (await client.query<{ shard: number }>(`UPDATE shard_leases SET expires_at = now() + $2::interval WHERE owner = $1 AND region = $3 RETURNING shard`, [nodeId, lease, region])).rows.map((r) => r.shard).sort((a, b) => a - b);
      let released: number[] = [];
      let gained: number[] = [];
      if (mine.length > fair) {
        released = mine.slice(fair);
        // stop checking them before the release can commit (their timers go after it)
        this.owned = new Set([...this.owned].filter((s) => !released.includes(s)));
        await client.query(`UPDATE shard_leases SET owner = NULL, expires_at = '-infinity' WHERE owner = $1 AND region = $3 AND shard = ANY($2::int[])`, [nodeId, released, region]);
      } else if (mine.length < fair) {
        gained = (
          await client.query<{ shard: number }>(
            `UPDATE shard_leases SET owner = $1, expires_at = now() + $2::interval
             WHERE region = $4 AND shard IN (SELECT shard FROM shard_leases WHERE region = $4 AND expires_at < now() ORDER BY shard LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING shard`,
            [nodeId, lease, fair - mine.length, region],
          )
        ).rows.map((r) => r.shard);
      }
      await client.query('COMMIT');
      const held = new Set([...mine.filter((s) => !released.includes(s)), ...gained]);
      // shards held and already checked stay checked; newly held ones after onGain
      const owned = new Set([...held].filter((s) => this.owned.has(s)));
      const fresh = new Set([...held].filter((s) => !owned.has(s)));
      let syncError: string | null = null;
      if (fresh.size > 0) {
        try {
          await this.options.onGain?.(fresh);
          for (const s of fresh) owned.add(s);
        } catch (err) {
          syncError = `taking over ${fresh.size} shards: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
      this.owned = owned;
      this.live = live;
      this.regions = regions;
      this.validUntilMs = t0 + this.leaseMs - this.marginMs;
      this.tellHeld(checkedBefore, owned);
      if (syncError !== null) this.options.onChange?.({ error: syncError });
      if (gained.length + released.length > 0) this.options.onChange?.({ owned: owned.size, live, gained: gained.length, released: released.length });
    } catch (err) {
      if (client !== null) await client.query('ROLLBACK').catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
      // Shards it was giving back are not checked any more (owns says no), whether or not the
      // release committed: their timers go now. A later tick that gives them back again, or
      // keeps them, tells the daemon from this set.
      this.tellHeld(checkedBefore, this.owned);
      // the leases stay trusted until validUntilMs, then this node stops checking (fenced)
      this.options.onChange?.({ error: err instanceof Error ? err.message : String(err) });
    } finally {
      if (client !== null) {
        client.removeListener('error', onError);
        client.release(broken);
      }
    }
  }
}
