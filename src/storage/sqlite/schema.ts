/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. A
 * migration never changes once released: add a new one instead.
 *
 * Size matters (≈ 1,700 results/s at the scale goal): results keep timings as integer
 * microseconds (SQLite stores small integers in 1–4 bytes), and intern the target id, the
 * checked endpoint and the TLS info (repeated on nearly every row) into lookup tables.
 */
import type Database from 'better-sqlite3';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE targets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    input TEXT NOT NULL,
    interval_ms INTEGER NOT NULL,
    tags TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    confirmations INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- never deleted: results of a deleted target keep their key until retention
  CREATE TABLE target_keys (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
  -- value: '<kind> <target>' (neither a URL nor host:port contains a space)
  CREATE TABLE endpoints (key INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
  CREATE TABLE tls_infos (key INTEGER PRIMARY KEY, json TEXT NOT NULL UNIQUE);
  CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    target_key INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    error_kind TEXT,
    error_phase TEXT,
    status_code INTEGER,
    http_version TEXT,
    total_us INTEGER NOT NULL,
    dns_us INTEGER,
    connect_us INTEGER,
    tls_us INTEGER,
    ttfb_us INTEGER,
    receive_us INTEGER,
    response_bytes INTEGER,
    connection_reused INTEGER NOT NULL,
    sched_lag_us INTEGER NOT NULL,
    loop_delay_us INTEGER NOT NULL,
    endpoint_key INTEGER NOT NULL,
    tls_key INTEGER,
    detail TEXT
  );
  -- per-target pages, uptime (covering: status) and latency windows
  CREATE INDEX results_by_target_time ON results (target_key, started_at, status);
  -- rollup job and retention walk by time across targets
  CREATE INDEX results_by_time ON results (started_at);
  CREATE TABLE rollups (
    target_key INTEGER NOT NULL,
    hour_start INTEGER NOT NULL,
    up INTEGER NOT NULL,
    degraded INTEGER NOT NULL,
    down INTEGER NOT NULL,
    error INTEGER NOT NULL,
    phases TEXT NOT NULL,
    PRIMARY KEY (target_key, hour_start)
  ) WITHOUT ROWID;
  CREATE INDEX rollups_by_hour ON rollups (hour_start);
  CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    target_id TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER,
    error_kind TEXT,
    last_error_kind TEXT,
    last_detail TEXT,
    failure_count INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX incidents_one_open ON incidents (target_id) WHERE closed_at IS NULL;
  CREATE INDEX incidents_order ON incidents ((closed_at IS NULL), opened_at, id);
  CREATE INDEX incidents_by_target ON incidents (target_id, (closed_at IS NULL), opened_at, id);
  -- raw_floor_ms: raw results exist for every time >= this; rollup_watermark_ms: every hour
  -- before this is rolled up
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;
  `,
  // maintenance windows (issue 14): results carry in_maintenance (NULL = no, 1 = yes; a NULL
  // costs nothing on the 99 % of rows outside windows); rollups count maintenance results
  // apart, and uptime leaves them out, so the covering index gains the column.
  `
  ALTER TABLE results ADD COLUMN in_maintenance INTEGER;
  DROP INDEX results_by_target_time;
  CREATE INDEX results_by_target_time ON results (target_key, started_at, status, in_maintenance);
  ALTER TABLE rollups ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE maintenance_windows (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    input TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 3: an incident opened only by results taken while the probe was degraded is marked
  `ALTER TABLE incidents ADD COLUMN probe_degraded INTEGER NOT NULL DEFAULT 0;`,
  // 4: the alert outbox (issue 11): every delivery is written before it is sent, so one in
  // retry backoff survives a restart; finished rows are the delivery log until retention
  `
  CREATE TABLE alert_outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    event_type TEXT NOT NULL,
    target_id TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    claim_owner TEXT,
    claim_until INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at, seq) WHERE state = 'pending';
  CREATE INDEX alert_outbox_fifo ON alert_outbox (channel, target_id, seq) WHERE state = 'pending';
  CREATE INDEX alert_outbox_finished ON alert_outbox (updated_at) WHERE state <> 'pending';
  `,
  // 5: heartbeat deadlines and certificate-warning state survive a restart (docs/heartbeat.md);
  // heartbeat_signals holds pushes for the evaluating node (used by many nodes on Postgres,
  // kept here so both stores pass one contract)
  `
  CREATE TABLE heartbeat_state (
    target_id TEXT NOT NULL,
    region TEXT NOT NULL,
    last_seen_at INTEGER,
    run_started_at INTEGER,
    missed_at INTEGER,
    since_at INTEGER NOT NULL,
    signal_seq INTEGER NOT NULL,
    PRIMARY KEY (target_id, region)
  ) WITHOUT ROWID;
  CREATE TABLE heartbeat_signals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id TEXT NOT NULL,
    type TEXT NOT NULL,
    exit_code INTEGER,
    at INTEGER NOT NULL
  );
  CREATE INDEX heartbeat_signals_by_target ON heartbeat_signals (target_id, seq);
  CREATE INDEX heartbeat_signals_by_time ON heartbeat_signals (at);
  CREATE TABLE cert_warnings (
    target_id TEXT PRIMARY KEY,
    level TEXT NOT NULL,
    warned_chain_expires_at TEXT,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 6: regions and quorum (docs/cluster.md) are stored with the target (the API sets them
  // too); an incident records which regions saw what (JSON of IncidentRegions). One node
  // alone never writes either, but the schema is the same for both stores.
  `
  ALTER TABLE targets ADD COLUMN regions TEXT;
  ALTER TABLE targets ADD COLUMN quorum TEXT NOT NULL DEFAULT 'majority';
  ALTER TABLE incidents ADD COLUMN regions TEXT;
  `,
  // 7: repeat-notify reminders (docs/alerts.md) are taken from the store: the last slot taken
  // per open incident (target, opened_at) and channel, so a restart resumes the schedule
  // where it was and no reminder is sent twice. Rows of closed incidents go with retention.
  `
  CREATE TABLE alert_reminders (
    target_id TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    channel TEXT NOT NULL,
    repeat INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    PRIMARY KEY (target_id, opened_at, channel)
  ) WITHOUT ROWID;
  `,
  // 8: a heartbeat target's push rate limit shared by every node (docs/heartbeat.md, "Rate
  // limits"): one token bucket per target. One node alone does not use it (its own limit is
  // the limit), but the schema is the same for both stores.
  `
  CREATE TABLE push_rate_buckets (
    target_id TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    at_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 9: the latency read is index-only: the six phase timings join the per-target index, so a
  // window's timings are read from its index range instead of one table page per row (one
  // target's rows are spread over the file among every other target's; docs/storage.md)
  `
  DROP INDEX results_by_target_time;
  CREATE INDEX results_by_target_time ON results (target_key, started_at, status, in_maintenance, total_us, dns_us, connect_us, tls_us, ttfb_us, receive_us);
  `,
];

const SCHEMA_VERSION = MIGRATIONS.length;

/** Runs the missing migrations, each in its own transaction. Refuses a newer database. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this program supports (${SCHEMA_VERSION}); upgrade vigil`);
  }
  for (let version = current; version < SCHEMA_VERSION; version += 1) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return SCHEMA_VERSION;
}
