import type pg from 'pg';
import type { CertWarningState, HeartbeatSignal, HeartbeatState, LimitedSignalAppend, NewHeartbeatSignal, SignalRateLimit } from '../store.js';
import { checkCertWarning, checkRateLimit, checkSignal, checkSignalLimit } from '../watch-state-validation.js';
import { certWarningOf, heartbeatSignalOf, heartbeatStateOf, type CertWarningRow, type HeartbeatSignalRow, type HeartbeatStateRow } from '../watch-state-rows.js';
import { inTransaction } from './pg-connection.js';

/**
 * Heartbeat deadlines, pushes waiting for their evaluator, certificate-warning state, as in
 * the SQLite store. With many nodes any node appends a push and the node evaluating the
 * target in each region applies it (docs/cluster.md, "Heartbeats").
 */
export class PgWatchStateRepo {
  constructor(private readonly pool: pg.Pool) {}

  async listStates(region: string): Promise<HeartbeatState[]> {
    const { rows } = await this.pool.query<HeartbeatStateRow>('SELECT * FROM heartbeat_state WHERE region = $1 ORDER BY target_id COLLATE "C"', [region]);
    return rows.map(heartbeatStateOf);
  }

  async put(s: HeartbeatState): Promise<void> {
    await this.pool.query(
      `INSERT INTO heartbeat_state (target_id, region, last_seen_at, run_started_at, missed_at, since_at, signal_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (target_id, region) DO UPDATE SET last_seen_at = excluded.last_seen_at, run_started_at = excluded.run_started_at,
         missed_at = excluded.missed_at, since_at = excluded.since_at, signal_seq = excluded.signal_seq`,
      [s.targetId, s.region, s.lastSeenAt, s.runStartedAt, s.missedAt, s.sinceAt, s.signalSeq],
    );
  }

  async appendSignal(signal: NewHeartbeatSignal): Promise<HeartbeatSignal> {
    checkSignal(signal);
    const { rows } = await this.pool.query<HeartbeatSignalRow>('INSERT INTO heartbeat_signals (target_id, type, exit_code, at) VALUES ($1, $2, $3, $4) RETURNING *', [signal.targetId, signal.type, signal.exitCode, signal.at]);
    return heartbeatSignalOf(rows[0] as HeartbeatSignalRow);
  }

  /**
   * One statement: the target's bucket (bucketAfterPush in SQL: refilled on the pushes' `at`,
   * never backwards, one taken if there is one; the row lock serialises nodes), and the push
   * appended only when one was taken.
   */
  async appendSignalWithin(signal: NewHeartbeatSignal, limit: SignalRateLimit): Promise<LimitedSignalAppend> {
    checkSignal(signal);
    checkRateLimit(limit);
    const { rows } = await this.pool.query<HeartbeatSignalRow & { bucket_tokens: number; bucket_taken: boolean }>(
      `WITH b AS (
         INSERT INTO push_rate_buckets AS b (target_id, tokens, at_ms, taken) VALUES ($1, $5::float8 - 1, $4, true)
         ON CONFLICT (target_id) DO UPDATE SET
           taken = least($5::float8, b.tokens + greatest(0, $4 - b.at_ms) / $6::float8) >= 1,
           tokens = least($5::float8, b.tokens + greatest(0, $4 - b.at_ms) / $6::float8)
             - CASE WHEN least($5::float8, b.tokens + greatest(0, $4 - b.at_ms) / $6::float8) >= 1 THEN 1 ELSE 0 END,
           at_ms = greatest(b.at_ms, $4)
         RETURNING b.tokens, b.taken
       ), s AS (
         INSERT INTO heartbeat_signals (target_id, type, exit_code, at) SELECT $1, $2, $3, $4 FROM b WHERE b.taken RETURNING *
       )
       SELECT b.tokens AS bucket_tokens, b.taken AS bucket_taken, s.* FROM b LEFT JOIN s ON true`,
      [signal.targetId, signal.type, signal.exitCode, signal.at, limit.burst, limit.refillEveryMs],
    );
    const row = rows[0];
    if (row === undefined) throw new Error('push_rate_buckets: the upsert returned no row');
    if (!row.bucket_taken) return { waitMs: Math.ceil((1 - row.bucket_tokens) * limit.refillEveryMs) };
    return { appended: heartbeatSignalOf(row) };
  }

  async pending(region: string, targetIds: readonly string[], limit: number): Promise<HeartbeatSignal[]> {
    checkSignalLimit(limit);
    if (targetIds.length === 0) return [];
    const { rows } = await this.pool.query<HeartbeatSignalRow>(
      `SELECT s.* FROM heartbeat_signals s LEFT JOIN heartbeat_state h ON h.target_id = s.target_id AND h.region = $1
       WHERE s.target_id = ANY($2::text[]) AND s.seq > coalesce(h.signal_seq, 0) ORDER BY s.seq LIMIT $3`,
      [region, targetIds, limit],
    );
    return rows.map(heartbeatSignalOf);
  }

  async listCerts(): Promise<CertWarningState[]> {
    const { rows } = await this.pool.query<CertWarningRow>('SELECT * FROM cert_warnings ORDER BY target_id COLLATE "C"');
    return rows.map(certWarningOf);
  }

  async putCertWarning(s: CertWarningState): Promise<void> {
    checkCertWarning(s);
    await this.pool.query(
      `INSERT INTO cert_warnings (target_id, level, warned_chain_expires_at, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (target_id) DO UPDATE SET level = excluded.level, warned_chain_expires_at = excluded.warned_chain_expires_at, updated_at = excluded.updated_at`,
      [s.targetId, s.level, s.warnedChainExpiresAt, s.updatedAt],
    );
  }

  /** A deleted target's state goes with it (a new target of the same id starts afresh). */
  async forgetTarget(targetId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      for (const table of ['heartbeat_state', 'heartbeat_signals', 'cert_warnings']) await client.query(`DELETE FROM ${table} WHERE target_id = $1`, [targetId]);
    });
  }

  /** Signals older than this were applied long ago (or their target has no evaluator): dropped. */
  /** pushes older than `beforeMs`, and the rate buckets last pushed to before then (full again long since) */
  async pruneSignals(beforeMs: number): Promise<number> {
    await this.pool.query('DELETE FROM push_rate_buckets WHERE at_ms < $1', [beforeMs]);
    return (await this.pool.query('DELETE FROM heartbeat_signals WHERE at < $1', [beforeMs])).rowCount ?? 0;
  }
}
