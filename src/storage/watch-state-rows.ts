/**
 * The heartbeat and certificate-warning rows both stores keep (SQLite migration 5, Postgres
 * migration 7), and how a row becomes the record again: one definition for both stores.
 */
import type { CertWarningState, HeartbeatSignal, HeartbeatState } from './store.js';

export interface HeartbeatStateRow {
  target_id: string;
  region: string;
  last_seen_at: number | null;
  run_started_at: number | null;
  missed_at: number | null;
  since_at: number;
  signal_seq: number;
}

export interface HeartbeatSignalRow {
  seq: number;
  target_id: string;
  type: HeartbeatSignal['type'];
  exit_code: number | null;
  at: number;
}

export interface CertWarningRow {
  target_id: string;
  level: CertWarningState['level'];
  warned_chain_expires_at: string | null;
  updated_at: number;
}

export const heartbeatStateOf = (r: HeartbeatStateRow): HeartbeatState => ({
  targetId: r.target_id, region: r.region, lastSeenAt: r.last_seen_at, runStartedAt: r.run_started_at, missedAt: r.missed_at, sinceAt: r.since_at, signalSeq: r.signal_seq,
});

export const heartbeatSignalOf = (r: HeartbeatSignalRow): HeartbeatSignal => ({ seq: r.seq, targetId: r.target_id, type: r.type, exitCode: r.exit_code, at: r.at });

export const certWarningOf = (r: CertWarningRow): CertWarningState => ({ targetId: r.target_id, level: r.level, warnedChainExpiresAt: r.warned_chain_expires_at, updatedAt: r.updated_at });
