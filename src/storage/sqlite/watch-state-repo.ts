import type Database from 'better-sqlite3';
import type { CertWarningState, HeartbeatSignal, HeartbeatState, LimitedSignalAppend, NewHeartbeatSignal, SignalRateLimit } from '../store.js';
import { bucketAfterPush, checkCertWarning, checkRateLimit, checkSignal, checkSignalLimit } from '../watch-state-validation.js';
import { certWarningOf, heartbeatSignalOf, heartbeatStateOf, type CertWarningRow, type HeartbeatSignalRow, type HeartbeatStateRow } from '../watch-state-rows.js';

/** Heartbeat deadlines, pushes waiting for their evaluator, certificate-warning state (docs/heartbeat.md). */
export class WatchStateRepo {
  private readonly states: Database.Statement;
  private readonly putState: Database.Statement;
  private readonly append: Database.Statement;
  private readonly certs: Database.Statement;
  private readonly putCert: Database.Statement;
  private readonly forget: Database.Transaction<(targetId: string) => void>;
  private readonly prune: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.states = db.prepare('SELECT * FROM heartbeat_state WHERE region = ? ORDER BY target_id');
    this.putState = db.prepare(
      `INSERT INTO heartbeat_state (target_id, region, last_seen_at, run_started_at, missed_at, since_at, signal_seq)
       VALUES (@targetId, @region, @lastSeenAt, @runStartedAt, @missedAt, @sinceAt, @signalSeq)
       ON CONFLICT (target_id, region) DO UPDATE SET last_seen_at = excluded.last_seen_at, run_started_at = excluded.run_started_at,
         missed_at = excluded.missed_at, since_at = excluded.since_at, signal_seq = excluded.signal_seq`,
    );
    this.append = db.prepare('INSERT INTO heartbeat_signals (target_id, type, exit_code, at) VALUES (?, ?, ?, ?) RETURNING seq');
    this.certs = db.prepare('SELECT * FROM cert_warnings ORDER BY target_id');
    this.putCert = db.prepare(
      `INSERT INTO cert_warnings (target_id, level, warned_chain_expires_at, updated_at) VALUES (@targetId, @level, @warnedChainExpiresAt, @updatedAt)
       ON CONFLICT (target_id) DO UPDATE SET level = excluded.level, warned_chain_expires_at = excluded.warned_chain_expires_at, updated_at = excluded.updated_at`,
    );
    const forgetState = db.prepare('DELETE FROM heartbeat_state WHERE target_id = ?');
    const forgetSignals = db.prepare('DELETE FROM heartbeat_signals WHERE target_id = ?');
    const forgetCert = db.prepare('DELETE FROM cert_warnings WHERE target_id = ?');
    this.forget = db.transaction((targetId: string) => {
      forgetState.run(targetId);
      forgetSignals.run(targetId);
      forgetCert.run(targetId);
    });
    this.prune = db.prepare('DELETE FROM heartbeat_signals WHERE at < ?');
  }

  listStates(region: string): HeartbeatState[] {
    return (this.states.all(region) as HeartbeatStateRow[]).map(heartbeatStateOf);
  }

  put(state: HeartbeatState): void {
    this.putState.run(state);
  }

  appendSignalWithin(signal: NewHeartbeatSignal, limit: SignalRateLimit): LimitedSignalAppend {
    checkSignal(signal);
    checkRateLimit(limit);
    return this.db.transaction((): LimitedSignalAppend => {
      const row = this.db.prepare('SELECT tokens, at_ms AS atMs FROM push_rate_buckets WHERE target_id = ?').get(signal.targetId) as { tokens: number; atMs: number } | undefined;
      const next = bucketAfterPush(row ?? null, signal.at, limit);
      this.db.prepare('INSERT INTO push_rate_buckets (target_id, tokens, at_ms) VALUES (?, ?, ?) ON CONFLICT (target_id) DO UPDATE SET tokens = excluded.tokens, at_ms = excluded.at_ms').run(signal.targetId, next.tokens, next.atMs);
      return next.taken ? { appended: this.appendSignal(signal) } : { waitMs: next.waitMs };
    })();
  }

  appendSignal(signal: NewHeartbeatSignal): HeartbeatSignal {
    checkSignal(signal);
    const seq = this.append.pluck().get(signal.targetId, signal.type, signal.exitCode, signal.at) as number;
    return { ...signal, seq };
  }

  pending(region: string, targetIds: readonly string[], limit: number): HeartbeatSignal[] {
    checkSignalLimit(limit);
    if (targetIds.length === 0) return [];
    // json_each: one statement for any number of ids (no 999-parameter limit)
    const rows = this.db
      .prepare(
        `SELECT s.* FROM heartbeat_signals s LEFT JOIN heartbeat_state h ON h.target_id = s.target_id AND h.region = ?
         WHERE s.target_id IN (SELECT value FROM json_each(?)) AND s.seq > coalesce(h.signal_seq, 0) ORDER BY s.seq LIMIT ?`,
      )
      .all(region, JSON.stringify(targetIds), limit) as HeartbeatSignalRow[];
    return rows.map(heartbeatSignalOf);
  }

  listCerts(): CertWarningState[] {
    return (this.certs.all() as CertWarningRow[]).map(certWarningOf);
  }

  putCertWarning(state: CertWarningState): void {
    checkCertWarning(state);
    this.putCert.run(state);
  }

  /** A deleted target's state goes with it (a new target of the same id starts afresh). */
  forgetTarget(targetId: string): void {
    this.forget(targetId);
  }

  /** Signals older than this were applied long ago (or their target has no evaluator): dropped. */
  /** pushes older than `beforeMs`, and the rate buckets last pushed to before then (full again long since) */
  pruneSignals(beforeMs: number): number {
    this.db.prepare('DELETE FROM push_rate_buckets WHERE at_ms < ?').run(beforeMs);
    return this.prune.run(beforeMs).changes;
  }
}
