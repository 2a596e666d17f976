import type pg from 'pg';
import { inTransaction, sqlState } from './pg-connection.js';
import { lockKeySql } from './pg-schema.js';

const DAY_MS = 86_400_000;

export interface ResultPartition {
  name: string;
  fromMs: number;
  toMs: number;
}

/** results_p<day> for days since the epoch (results_n<day> before it) */
function partitionName(day: number): string {
  return day < 0 ? `results_n${-day}` : `results_p${day}`;
}

function dayOfName(name: string): number | null {
  const m = /^results_([pn])(\d+)$/.exec(name);
  if (m === null) return null;
  return m[1] === 'n' ? -Number(m[2]) : Number(m[2]);
}

/** "no partition of relation found for row": a partition this node thought existed was dropped */
export const NO_PARTITION_STATE = '23514';

/**
 * Daily partitions of `results`, created on demand before a batch that needs one. Creating
 * takes an advisory lock so two nodes creating the same day never collide on the catalog.
 */
export class ResultPartitions {
  private readonly known = new Set<number>();

  constructor(private readonly pool: pg.Pool) {}

  async ensureFor(startedAts: Iterable<number>): Promise<void> {
    const days = new Set<number>();
    for (const ms of startedAts) days.add(Math.floor(ms / DAY_MS));
    const missing = [...days].filter((d) => !this.known.has(d));
    if (missing.length === 0) return;
    await inTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(${lockKeySql('partitions')})`);
      for (const day of missing) {
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF results FOR VALUES FROM (${day * DAY_MS}) TO (${(day + 1) * DAY_MS})`,
        );
      }
    });
    for (const day of missing) this.known.add(day);
  }

  /** After NO_PARTITION_STATE: forget what this node believed (another node dropped some). */
  forget(): void {
    this.known.clear();
  }

  async list(): Promise<ResultPartition[]> {
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'results'::regclass`,
    );
    const out: ResultPartition[] = [];
    for (const { name } of rows) {
      const day = dayOfName(name);
      if (day !== null) out.push({ name, fromMs: day * DAY_MS, toMs: (day + 1) * DAY_MS });
    }
    return out.sort((a, b) => a.fromMs - b.fromMs);
  }

  /** Drops one partition; returns the rows it held (counted first: retention reports them). */
  async drop(partition: ResultPartition): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(${lockKeySql('partitions')})`);
      try {
        const { rows } = await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${partition.name}`);
        await client.query(`DROP TABLE ${partition.name}`);
        this.known.delete(Math.floor(partition.fromMs / DAY_MS));
        return rows[0]?.n ?? 0;
      } catch (err) {
        if (sqlState(err) === '42P01') return 0; // another node dropped it first
        throw err;
      }
    });
  }
}
