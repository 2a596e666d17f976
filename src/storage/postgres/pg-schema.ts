/**
 * The Postgres schema, as numbered migrations. `vigil_schema` records each one applied. A
 * migration never changes once released: add a new one instead.
 *
 * Migrations run in ONE transaction that first takes a transaction-scoped advisory lock, so
 * two nodes starting at once apply them once: the second waits on the lock, then sees the
 * version already there. A database whose version is newer than this program's is refused.
 *
 * Results are partitioned by day on started_at (epoch ms): retention drops whole partitions
 * instead of deleting rows, and a one-target window touches one or two partitions.
 */
import type pg from 'pg';
import { inTransaction } from './pg-connection.js';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE targets (
    id text PRIMARY KEY,
    name text NOT NULL CONSTRAINT targets_name_key UNIQUE,
    input jsonb NOT NULL,
    interval_ms integer NOT NULL,
    tags text[] NOT NULL,
    enabled boolean NOT NULL,
    confirmations integer NOT NULL,
    source text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  -- repeated strings interned to small keys (as in the SQLite store); never deleted
  CREATE TABLE target_keys (key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, value text NOT NULL UNIQUE);
  CREATE TABLE endpoints (key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, value text NOT NULL UNIQUE);
  CREATE TABLE tls_infos (key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, value text NOT NULL UNIQUE);
  CREATE TABLE results (
    id bigint GENERATED ALWAYS AS IDENTITY,
    target_key integer NOT NULL,
    started_at bigint NOT NULL,
    due_at bigint NOT NULL,
    status text NOT NULL,
    error_kind text,
    error_phase text,
    status_code smallint,
    http_version text,
    total_us bigint NOT NULL,
    dns_us bigint,
    connect_us bigint,
    tls_us bigint,
    ttfb_us bigint,
    receive_us bigint,
    response_bytes bigint,
    connection_reused boolean NOT NULL,
    sched_lag_us bigint NOT NULL,
    loop_delay_us bigint NOT NULL,
    endpoint_key integer NOT NULL,
    tls_key integer,
    detail text,
    -- true when the check ran inside a maintenance window; NULL (free) otherwise
    in_maintenance boolean
  ) PARTITION BY RANGE (started_at);
  -- one target's pages (keyset on started_at, id) and uptime counts (index-only)
  CREATE INDEX results_by_target_time ON results (target_key, started_at, id) INCLUDE (status, in_maintenance);
  -- the rollup job reads one hour across targets: rows arrive in time order, BRIN is tiny
  CREATE INDEX results_by_time ON results USING brin (started_at) WITH (pages_per_range = 32);
  CREATE TABLE rollups (
    target_key integer NOT NULL,
    hour_start bigint NOT NULL,
    up integer NOT NULL,
    degraded integer NOT NULL,
    down integer NOT NULL,
    error integer NOT NULL,
    maintenance integer NOT NULL DEFAULT 0,
    phases text NOT NULL,
    PRIMARY KEY (target_key, hour_start)
  );
  CREATE INDEX rollups_by_hour ON rollups (hour_start);
  CREATE TABLE incidents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id text NOT NULL,
    opened_at bigint NOT NULL,
    closed_at bigint,
    error_kind text,
    last_error_kind text,
    last_detail text,
    failure_count integer NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE UNIQUE INDEX incidents_one_open ON incidents (target_id) WHERE closed_at IS NULL;
  CREATE INDEX incidents_order ON incidents ((closed_at IS NULL), opened_at, id);
  CREATE INDEX incidents_by_target ON incidents (target_id, (closed_at IS NULL), opened_at, id);
  -- raw_floor_ms: raw results exist for every time >= this; rollup_watermark_ms: every hour
  -- before this is rolled up
  CREATE TABLE meta (key text PRIMARY KEY, value bigint);
  CREATE TABLE maintenance_windows (
    id text PRIMARY KEY,
    source text NOT NULL,
    input jsonb NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  `,
  // 2: an incident opened only by results taken while the probe was degraded is marked
  `ALTER TABLE incidents ADD COLUMN probe_degraded boolean NOT NULL DEFAULT false;`,
  // 3: many nodes, one fleet (src/cluster/): live nodes and the leases of 64 target shards
  `
  CREATE TABLE cluster_nodes (
    node_id text PRIMARY KEY,
    region text NOT NULL,
    api_url text,
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL
  );
  CREATE TABLE shard_leases (
    shard integer PRIMARY KEY,
    owner text,
    expires_at timestamptz NOT NULL DEFAULT '-infinity'
  );
  INSERT INTO shard_leases (shard) SELECT generate_series(0, 63);
  `,
  // 4: the alert outbox (issue 11): every delivery is written before it is sent; nodes claim
  // due rows with a lease (FOR UPDATE SKIP LOCKED); finished rows are the delivery log until
  // retention. payload is text, not jsonb: every attempt must render the same bytes.
  `
  CREATE TABLE alert_outbox (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL CONSTRAINT alert_outbox_id_key UNIQUE,
    channel text NOT NULL,
    event_type text NOT NULL,
    target_id text,
    payload text NOT NULL,
    state text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    last_error text,
    claim_owner text,
    claim_until bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at, seq) WHERE state = 'pending';
  CREATE INDEX alert_outbox_fifo ON alert_outbox (channel, target_id, seq) WHERE state = 'pending';
  CREATE INDEX alert_outbox_finished ON alert_outbox (updated_at) WHERE state <> 'pending';
  `,
  // 5: regions (docs/cluster.md): each region's nodes split that region's 64 shards, so the
  // leases are keyed by (region, shard); a region's rows are created by its first node. Each
  // node reports its event-loop lag with its heartbeat (vigil cluster status shows it).
  `
  ALTER TABLE shard_leases ADD COLUMN region text NOT NULL DEFAULT 'default';
  ALTER TABLE shard_leases DROP CONSTRAINT shard_leases_pkey;
  ALTER TABLE shard_leases ADD PRIMARY KEY (region, shard);
  ALTER TABLE shard_leases ALTER COLUMN region DROP DEFAULT;
  ALTER TABLE cluster_nodes ADD COLUMN lag_ms double precision;
  `,
  // 6: quorum over regions (src/cluster/regional-incidents.ts): what each region's checking
  // node last concluded about a target (down after its confirmations, or up); the incident
  // opens when a quorum of the regions with a live node says down.
  `
  CREATE TABLE region_verdicts (
    target_id text NOT NULL,
    region text NOT NULL,
    down boolean NOT NULL,
    since bigint NOT NULL,
    error_kind text,
    detail text,
    failures integer NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (target_id, region)
  );
  CREATE INDEX region_verdicts_down ON region_verdicts (target_id) WHERE down;
  `,
  // 7: heartbeat deadlines and certificate-warning state survive a restart and a takeover
  // (docs/heartbeat.md); any node appends a push to heartbeat_signals and the node evaluating
  // the target in each region applies it, remembering how far it got in heartbeat_state
  `
  CREATE TABLE heartbeat_state (
    target_id text NOT NULL,
    region text NOT NULL,
    last_seen_at bigint,
    run_started_at bigint,
    missed_at bigint,
    since_at bigint NOT NULL,
    signal_seq bigint NOT NULL,
    PRIMARY KEY (target_id, region)
  );
  CREATE TABLE heartbeat_signals (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id text NOT NULL,
    type text NOT NULL,
    exit_code smallint,
    at bigint NOT NULL
  );
  CREATE INDEX heartbeat_signals_by_target ON heartbeat_signals (target_id, seq);
  CREATE INDEX heartbeat_signals_by_time ON heartbeat_signals (at);
  CREATE TABLE cert_warnings (
    target_id text PRIMARY KEY,
    level text NOT NULL,
    warned_chain_expires_at text,
    updated_at bigint NOT NULL
  );
  `,
  // 8: regions and quorum are stored with the target (the API sets them too; every node picks
  // them up from here); an incident records which regions saw what (jsonb of IncidentRegions);
  // a region's verdict keeps whether its confirming results were all taken while its probe
  // was degraded, so a quorum incident carries the flag as a local one does.
  `
  ALTER TABLE targets ADD COLUMN regions text[];
  ALTER TABLE targets ADD COLUMN quorum text NOT NULL DEFAULT 'majority';
  ALTER TABLE incidents ADD COLUMN regions jsonb;
  ALTER TABLE region_verdicts ADD COLUMN probe_degraded boolean NOT NULL DEFAULT false;
  `,
  // 9: repeat-notify reminders (docs/alerts.md) are taken from the store by whichever node
  // sees a slot due: the last slot taken per open incident (target, opened_at) and channel.
  // Taking a slot is a compare-and-set on due_at in the transaction that enqueues its
  // delivery, so two nodes never both send it. Rows of closed incidents go with retention.
  `
  CREATE TABLE alert_reminders (
    target_id text NOT NULL,
    opened_at bigint NOT NULL,
    channel text NOT NULL,
    repeat integer NOT NULL,
    due_at bigint NOT NULL,
    PRIMARY KEY (target_id, opened_at, channel)
  );
  `,
  // 10: a heartbeat target's push rate limit shared by every node (docs/heartbeat.md, "Rate
  // limits"): one token bucket per target, taken in the statement that appends the push.
  `
  CREATE TABLE push_rate_buckets (
    target_id text PRIMARY KEY,
    tokens double precision NOT NULL,
    at_ms bigint NOT NULL,
    taken boolean NOT NULL
  );
  `,
  // 11: the latency read is index-only: the six phase timings ride in the per-target index
  // (INCLUDE), so a 24 h window of one target reads its index range instead of one heap page
  // per row (rows arrive in time order across all targets; docs/storage.md, "Query plans at
  // 100 M rows"). Built on every partition inside the migration's transaction: on a large
  // table this takes minutes (measured in docs/storage.md) and blocks result writes meanwhile.
  `
  CREATE INDEX results_by_target_time_v11 ON results (target_key, started_at, id)
    INCLUDE (status, in_maintenance, total_us, dns_us, connect_us, tls_us, ttfb_us, receive_us);
  DROP INDEX results_by_target_time;
  ALTER INDEX results_by_target_time_v11 RENAME TO results_by_target_time;
  `,
  // 12: the cluster's change tokens (src/cluster/target-sync.ts) are counters bumped by
  // statement triggers, so reading them costs the same at any fleet size (the digest of every
  // row they replace cost 21 ms p50 at 10,000 targets, on every API request of a cluster
  // node). A statement that changed no row does not bump; the bump is an UPDATE of one row in
  // the writer's transaction, so a reader sees it exactly when the change commits.
  `
  CREATE TABLE change_counters (name text PRIMARY KEY, version bigint NOT NULL);
  INSERT INTO change_counters (name, version) VALUES ('targets', 0), ('maintenance_windows', 0);
  CREATE FUNCTION vigil_count_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
      EXECUTE format('UPDATE %I.change_counters SET version = version + 1 WHERE name = $1', TG_TABLE_SCHEMA) USING TG_TABLE_NAME;
    END IF;
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER targets_inserted AFTER INSERT ON targets REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_count_change();
  CREATE TRIGGER targets_updated AFTER UPDATE ON targets REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_count_change();
  CREATE TRIGGER targets_deleted AFTER DELETE ON targets REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_count_change();
  CREATE TRIGGER windows_inserted AFTER INSERT ON maintenance_windows REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_count_change();
  CREATE TRIGGER windows_updated AFTER UPDATE ON maintenance_windows REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_count_change();
  CREATE TRIGGER windows_deleted AFTER DELETE ON maintenance_windows REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_count_change();
  `,
  // 13: when the targets token moves, a node reads only what changed (src/cluster/target-sync.ts)
  // instead of the whole fleet: each row carries the id of the transaction that last wrote it,
  // and a delete leaves a tombstone with the deleting transaction's id. A reader that remembers
  // the oldest transaction still running at its last read (its snapshot's xmin) reads, next
  // time, every row and tombstone written by a transaction at or after it: all that its last
  // read could not see, whatever order those transactions committed in. xid8 does not wrap.
  `
  ALTER TABLE targets ADD COLUMN changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
  CREATE INDEX targets_changed_xid ON targets (changed_xid);
  CREATE TABLE target_tombstones (
    id text NOT NULL,
    deleted_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    -- the time of the delete, not of its transaction's start (now()): what the pruning goes by
    deleted_at timestamptz NOT NULL DEFAULT clock_timestamp()
  );
  CREATE INDEX target_tombstones_xid ON target_tombstones (deleted_xid);
  CREATE FUNCTION vigil_target_written() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    NEW.changed_xid := pg_current_xact_id();
    RETURN NEW;
  END
  $fn$;
  CREATE TRIGGER targets_written BEFORE UPDATE ON targets FOR EACH ROW EXECUTE FUNCTION vigil_target_written();
  CREATE FUNCTION vigil_target_tombstone() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    EXECUTE format('INSERT INTO %I.target_tombstones (id) SELECT id FROM gone', TG_TABLE_SCHEMA);
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER targets_tombstoned AFTER DELETE ON targets REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION vigil_target_tombstone();
  `,
];

export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/** The database was written by a newer Vigil: refusing is the only safe move. */
export class StoreSchemaError extends Error {
  override readonly name = 'StoreSchemaError';
  constructor(
    readonly foundVersion: number,
    readonly supportedVersion: number,
    where: string,
  ) {
    super(`${where} has schema version ${foundVersion}, newer than this program supports (${supportedVersion}); upgrade vigil (refusing to start)`);
  }
}

/** Advisory lock keys are derived from the schema name, so stores in other schemas never contend. */
export function lockKeySql(purpose: string): string {
  return `hashtext(current_schema() || ':${purpose}')`;
}

/**
 * Creates the schema if needed and applies the missing migrations; returns the version.
 * Throws StoreSchemaError for a newer database.
 */
export async function migratePostgres(pool: pg.Pool, schema: string): Promise<number> {
  return inTransaction(pool, async (client) => {
    // the schema may not exist yet, so the lock key names it explicitly
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${schema}:migrate`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS vigil_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM vigil_schema');
    const current = rows[0]?.v ?? 0;
    if (current > PG_SCHEMA_VERSION) throw new StoreSchemaError(current, PG_SCHEMA_VERSION, `postgres schema "${schema}"`);
    for (let version = current; version < PG_SCHEMA_VERSION; version += 1) {
      await client.query(MIGRATIONS[version] as string);
      await client.query('INSERT INTO vigil_schema (version) VALUES ($1)', [version + 1]);
    }
    return PG_SCHEMA_VERSION;
  });
}
