import type Database from 'better-sqlite3';
import type { Incident, IncidentPage, IncidentQuery, OpenIncidentInput, UpdateIncidentInput } from '../store.js';
import { StoreConflictError, StoreInputError } from '../store.js';
import { incidentFromRow, regionsColumn, type IncidentRow } from '../stored-rows.js';
import { decodeCursor, encodeCursor, pageLimit } from './results-repo.js';


const ORDER = 'ORDER BY (closed_at IS NULL) DESC, opened_at DESC, id DESC';
const STATES = { open: 'closed_at IS NULL', closed: 'closed_at IS NOT NULL', all: '1' } as const;

/** Cursor over (isOpen, openedAt, id), the sort key; isOpen is folded into the sign of id. */
export class IncidentsRepo {
  private readonly insert: Database.Statement;
  private readonly one: Database.Statement;
  private readonly openFor: Database.Statement;
  private readonly update: Database.Statement;
  private readonly close: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO incidents (target_id, opened_at, closed_at, error_kind, last_error_kind, last_detail, failure_count, probe_degraded, regions, updated_at)
       VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.one = db.prepare('SELECT * FROM incidents WHERE id = ?');
    this.openFor = db.prepare('SELECT * FROM incidents WHERE target_id = ? AND closed_at IS NULL');
    this.update = db.prepare(
      `UPDATE incidents SET last_error_kind = ?, last_detail = ?, failure_count = failure_count + ?, updated_at = max(updated_at, ?),
         regions = CASE WHEN ? THEN ? ELSE regions END
       WHERE id = ? AND closed_at IS NULL`,
    );
    this.close = db.prepare('UPDATE incidents SET closed_at = ?, updated_at = max(updated_at, ?) WHERE id = ? AND closed_at IS NULL');
  }

  open(input: OpenIncidentInput): Incident {
    const regions = regionsColumn(input.regions);
    try {
      const { lastInsertRowid } = this.insert.run(
        input.targetId, input.openedAt, input.errorKind, input.errorKind, input.detail, input.failureCount, input.probeDegraded === true ? 1 : 0, regions, input.openedAt,
      );
      return this.get(Number(lastInsertRowid)) as Incident;
    } catch (err) {
      if (err instanceof Error && err.message.includes('UNIQUE constraint failed')) {
        throw new StoreConflictError('targetId', `targetId: target ${input.targetId} already has an open incident`);
      }
      throw err;
    }
  }

  get(id: number): Incident | null {
    const row = this.one.get(id) as IncidentRow | undefined;
    return row === undefined ? null : incidentFromRow(row);
  }

  /** null when the incident does not exist; a closed incident is returned unchanged */
  updateOpen(id: number, input: UpdateIncidentInput): Incident | null {
    const regions = regionsColumn(input.regions);
    this.update.run(input.errorKind, input.detail, input.failuresAdded, input.at, input.regions === undefined ? 0 : 1, regions, id);
    return this.get(id);
  }

  closeOpen(id: number, closedAt: number): Incident | null {
    this.close.run(closedAt, closedAt, id);
    return this.get(id);
  }

  openForTarget(targetId: string): Incident | null {
    const row = this.openFor.get(targetId) as IncidentRow | undefined;
    return row === undefined ? null : incidentFromRow(row);
  }

  list(query: IncidentQuery = {}): IncidentPage {
    const limit = pageLimit(query.limit);
    const state = query.state ?? 'all';
    if (!Object.hasOwn(STATES, state)) {
      throw new StoreInputError('state', `state: expected "open", "closed" or "all", got ${JSON.stringify(state)}`);
    }
    const where: string[] = [STATES[state]];
    const params: unknown[] = [];
    if (query.targetId !== undefined) {
      where.push('target_id = ?');
      params.push(query.targetId);
    }
    if (query.cursor !== undefined && query.cursor !== null) {
      const [openedAt, signedId] = decodeCursor(query.cursor);
      where.push('((closed_at IS NULL), opened_at, id) < (?, ?, ?)');
      params.push(signedId > 0 ? 1 : 0, openedAt, Math.abs(signedId));
    }
    // incident lists are small and rarely read: a statement per shape is fine here
    const sql = `SELECT * FROM incidents WHERE ${where.join(' AND ')} ${ORDER} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit + 1) as IncidentRow[];
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const cursor = last === undefined ? null : encodeCursor(last.opened_at, last.closed_at === null ? last.id : -last.id);
    return { items: page.map(incidentFromRow), nextCursor: hasMore ? cursor : null };
  }
}
