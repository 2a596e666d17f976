import type Database from 'better-sqlite3';
import type { ResultPage, ResultQuery, ResultTiming, StoredResult } from '../store.js';
import { StoreInputError } from '../store.js';
import { INSERT_COLUMNS, toInsertParams } from './result-rows.js';
import type { Interners } from './result-rows.js';
import { checkTimingsQuery, resultFromRow, TIMING_COLUMNS, timingFromColumns, type ResultRow } from '../stored-rows.js';

const DEFAULT_PAGE_LIMIT = 100;
const MAX_PAGE_LIMIT = 1000;

export function pageLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_LIMIT) {
    throw new StoreInputError('limit', `limit: expected an integer from 1 to ${MAX_PAGE_LIMIT}, got ${JSON.stringify(limit)}`);
  }
  return n;
}

/** Cursor = base64url of "<a>.<b>" integers: the last item's sort key. */
export function encodeCursor(a: number, b: number): string {
  return Buffer.from(`${a}.${b}`).toString('base64url');
}

export function decodeCursor(cursor: string): [number, number] {
  const m = /^(-?\d+)\.(-?\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (m === null) throw new StoreInputError('cursor', 'cursor: expected a nextCursor value from a previous page');
  return [Number(m[1]), Number(m[2])];
}

function cursorParams(cursor: string): [number, number, number] {
  const [startedAt, id] = decodeCursor(cursor);
  return [startedAt, startedAt, id];
}

export class ResultsRepo {
  private readonly insertOne: Database.Statement;
  private readonly firstPage: Database.Statement;
  private readonly nextPage: Database.Statement;
  private readonly timings: Database.Statement;
  private readonly insertBatch: (batch: readonly StoredResult[]) => void;

  constructor(
    db: Database.Database,
    private readonly interners: Interners,
  ) {
    const marks = INSERT_COLUMNS.map(() => '?').join(', ');
    this.insertOne = db.prepare(`INSERT INTO results (${INSERT_COLUMNS.join(', ')}) VALUES (${marks})`);
    // keyset pagination on (started_at, id), newest first; served by results_by_target_time
    const base = 'SELECT * FROM results WHERE target_key = ? AND started_at >= ? AND started_at < ?';
    this.firstPage = db.prepare(`${base} ORDER BY started_at DESC, id DESC LIMIT ?`);
    // the explicit `started_at <= ?` lets SQLite narrow the index range to the cursor (the
    // row-value test alone is only a filter, so deep pages would rescan from the top)
    this.nextPage = db.prepare(
      `${base} AND started_at <= ? AND (started_at, id) < (?, ?) ORDER BY started_at DESC, id DESC LIMIT ?`,
    );
    // one index range per target (results_by_target_time), only the timing columns
    this.timings = db.prepare(`SELECT ${TIMING_COLUMNS} FROM results WHERE target_key = ? AND started_at >= ? AND started_at < ? ORDER BY started_at DESC, id DESC LIMIT ?`).raw(true);
    const run = db.transaction((batch: readonly StoredResult[]) => {
      for (const item of batch) this.insertOne.run(toInsertParams(item, this.interners));
    });
    this.insertBatch = (batch) => {
      try {
        run(batch);
      } catch (err) {
        // the rollback may have removed interned keys the cache already holds
        this.interners.targets.reset();
        this.interners.endpoints.reset();
        this.interners.tls.reset();
        throw err;
      }
    };
  }

  /** One transaction for the whole batch: all rows or none. */
  insert(batch: readonly StoredResult[]): void {
    if (batch.length > 0) this.insertBatch(batch);
  }

  query(q: ResultQuery): ResultPage {
    const limit = pageLimit(q.limit);
    const key = this.interners.targets.find(q.targetId);
    if (key === null) return { items: [], nextCursor: null };
    const rows = (
      q.cursor === undefined || q.cursor === null
        ? this.firstPage.all(key, q.fromMs, q.toMs, limit + 1)
        : this.nextPage.all(key, q.fromMs, q.toMs, ...cursorParams(q.cursor), limit + 1)
    ) as ResultRow[];
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map((row) => resultFromRow(row, this.interners)),
      nextCursor: hasMore && last !== undefined ? encodeCursor(last.started_at, last.id) : null,
    };
  }

  /** The newest `perTarget` timing rows of each target in [fromMs, toMs), one index range each. */
  recentTimings(targetIds: readonly string[], fromMs: number, toMs: number, perTarget: number): ResultTiming[] {
    checkTimingsQuery(targetIds, fromMs, toMs, perTarget);
    const out: ResultTiming[] = [];
    for (const id of new Set(targetIds)) {
      const key = this.interners.targets.find(id);
      if (key === null) continue;
      for (const row of this.timings.all(key, fromMs, toMs, perTarget) as unknown[][]) out.push(timingFromColumns(id, row));
    }
    return out;
  }
}
