import type pg from 'pg';
import type { Incident, IncidentPage, IncidentQuery, OpenIncidentInput, UpdateIncidentInput } from '../store.js';
import { StoreConflictError, StoreInputError } from '../store.js';
import { incidentFromRow, regionsColumn, type IncidentRow } from '../stored-rows.js';
import { decodeCursor, encodeCursor, pageLimit } from '../sqlite/results-repo.js';
import { sqlState } from './pg-connection.js';


// open (true) sorts first under DESC
const ORDER = 'ORDER BY (closed_at IS NULL) DESC, opened_at DESC, id DESC';
const STATES = { open: 'closed_at IS NULL', closed: 'closed_at IS NOT NULL', all: 'true' } as const;

/** Same cursor as the SQLite store: (openedAt, ±id), the sign of id carrying isOpen. */
export class PgIncidentsRepo {
  constructor(private readonly pool: pg.Pool) {}

  async open(input: OpenIncidentInput): Promise<Incident> {
    const regions = regionsColumn(input.regions);
    try {
      const { rows } = await this.pool.query<IncidentRow>(
        `INSERT INTO incidents (target_id, opened_at, closed_at, error_kind, last_error_kind, last_detail, failure_count, probe_degraded, regions, updated_at)
         VALUES ($1, $2, NULL, $3, $3, $4, $5, $6, $7::jsonb, $2) RETURNING *`,
        [input.targetId, input.openedAt, input.errorKind, input.detail, input.failureCount, input.probeDegraded === true, regions],
      );
      return incidentFromRow(rows[0] as IncidentRow);
    } catch (err) {
      if (sqlState(err) === '23505') throw new StoreConflictError('targetId', `targetId: target ${input.targetId} already has an open incident`);
      throw err;
    }
  }

  async get(id: number): Promise<Incident | null> {
    const { rows } = await this.pool.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id]);
    return rows[0] === undefined ? null : incidentFromRow(rows[0]);
  }

  async updateOpen(id: number, input: UpdateIncidentInput): Promise<Incident | null> {
    const regions = regionsColumn(input.regions);
    await this.pool.query(
      `UPDATE incidents SET last_error_kind = $1, last_detail = $2, failure_count = failure_count + $3, updated_at = greatest(updated_at, $4),
         regions = CASE WHEN $6 THEN $7::jsonb ELSE regions END
       WHERE id = $5 AND closed_at IS NULL`,
      [input.errorKind, input.detail, input.failuresAdded, input.at, id, input.regions !== undefined, regions],
    );
    return this.get(id);
  }

  async closeOpen(id: number, closedAt: number): Promise<Incident | null> {
    await this.pool.query('UPDATE incidents SET closed_at = $1, updated_at = greatest(updated_at, $1) WHERE id = $2 AND closed_at IS NULL', [closedAt, id]);
    return this.get(id);
  }

  async openForTarget(targetId: string): Promise<Incident | null> {
    const { rows } = await this.pool.query<IncidentRow>('SELECT * FROM incidents WHERE target_id = $1 AND closed_at IS NULL', [targetId]);
    return rows[0] === undefined ? null : incidentFromRow(rows[0]);
  }

  async list(query: IncidentQuery = {}): Promise<IncidentPage> {
    const limit = pageLimit(query.limit);
    const state = query.state ?? 'all';
    if (!Object.hasOwn(STATES, state)) {
      throw new StoreInputError('state', `state: expected "open", "closed" or "all", got ${JSON.stringify(state)}`);
    }
    const where: string[] = [STATES[state]];
    const params: unknown[] = [];
    if (query.targetId !== undefined) {
      params.push(query.targetId);
      where.push(`target_id = $${params.length}`);
    }
    if (query.cursor !== undefined && query.cursor !== null) {
      const [openedAt, signedId] = decodeCursor(query.cursor);
      params.push(signedId > 0, openedAt, Math.abs(signedId));
      const n = params.length;
      where.push(`((closed_at IS NULL), opened_at, id) < ($${n - 2}::boolean, $${n - 1}::int8, $${n}::int8)`);
    }
    params.push(limit + 1);
    const { rows } = await this.pool.query<IncidentRow>(`SELECT * FROM incidents WHERE ${where.join(' AND ')} ${ORDER} LIMIT $${params.length}`, params);
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const cursor = last === undefined ? null : encodeCursor(last.opened_at, last.closed_at === null ? last.id : -last.id);
    return { items: page.map(incidentFromRow), nextCursor: hasMore ? cursor : null };
  }
}
