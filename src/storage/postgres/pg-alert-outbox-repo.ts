import type pg from 'pg';
import { deliveryOfRow, MAX_REMINDER_INCIDENTS, outcomeColumns, remindersOfRows, validateClaim, validateFinishedDelivery, validateNewDelivery, validateOutcome, validateIncidentPageAfter, validateReminderTake, validateState, type OutboxRow, type ReminderRow } from '../alert-outbox.js';
import type { AlertAttemptOutcome, AlertClaim, AlertDelivery, AlertDeliveryPage, AlertDeliveryQuery, AlertReminderTake, FinishedAlertDelivery, IncidentPageAfter, NewAlertDelivery, OpenIncidentReminders } from '../store.js';
import { incidentFromRow, type IncidentRow } from '../stored-rows.js';
import { decodeCursor, encodeCursor, pageLimit } from '../sqlite/results-repo.js';
import { inTransaction } from './pg-connection.js';

/** One page of open incidents, oldest first, after ($1 opened_at, $2 id) when $1 is not null. */
const OPEN_INCIDENT_PAGE = `SELECT * FROM incidents WHERE closed_at IS NULL AND ($1::bigint IS NULL OR (opened_at, id) > ($1::bigint, $2::bigint))
  ORDER BY opened_at, id LIMIT ${MAX_REMINDER_INCIDENTS}`;

/**
 * The alert outbox as in the SQLite store. Many nodes may pump it at once: a claim takes due
 * rows with FOR UPDATE SKIP LOCKED and re-checks the lease on the locked row, so two nodes
 * never hold one delivery.
 */
export class PgAlertOutboxRepo {
  constructor(private readonly pool: pg.Pool) {}

  async enqueue(deliveries: readonly NewAlertDelivery[]): Promise<void> {
    for (const d of deliveries) validateNewDelivery(d);
    if (deliveries.length === 0) return;
    const col = <K extends keyof NewAlertDelivery>(k: K) => deliveries.map((d) => d[k]);
    // one statement, so the whole batch commits or none of it does
    await this.pool.query(
      `INSERT INTO alert_outbox (id, channel, event_type, target_id, payload, state, attempts, next_attempt_at, created_at, updated_at)
       SELECT id, channel, event_type, target_id, payload, 'pending', 0, created_at, created_at, created_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[]) WITH ORDINALITY
         AS t(id, channel, event_type, target_id, payload, created_at, n)
       ORDER BY n
       ON CONFLICT (id) DO NOTHING`,
      [col('id'), col('channel'), col('eventType'), col('targetId'), col('payload'), col('createdAt')],
    );
  }

  async recordFinished(d: FinishedAlertDelivery): Promise<void> {
    const lastError = validateFinishedDelivery(d);
    await this.pool.query(
      `INSERT INTO alert_outbox (id, channel, event_type, target_id, payload, state, attempts, next_attempt_at, last_error, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $7, $9) ON CONFLICT (id) DO NOTHING`,
      [d.id, d.channel, d.eventType, d.targetId, d.payload, d.state, d.createdAt, lastError, d.finishedAt],
    );
  }

  async claim(c: AlertClaim): Promise<AlertDelivery[]> {
    validateClaim(c);
    const { rows } = await this.pool.query<OutboxRow>(
      `WITH due AS (
         SELECT seq FROM alert_outbox o
         WHERE state = 'pending' AND next_attempt_at <= $1 AND (claim_until IS NULL OR claim_until <= $1)
           AND NOT EXISTS (SELECT 1 FROM alert_outbox p WHERE p.state = 'pending' AND p.channel = o.channel
                           AND p.target_id IS NOT DISTINCT FROM o.target_id AND p.seq < o.seq)
         ORDER BY next_attempt_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE alert_outbox a SET claim_owner = $3, claim_until = $4 FROM due WHERE a.seq = due.seq RETURNING a.*`,
      [c.nowMs, c.limit, c.owner, c.nowMs + c.leaseMs],
    );
    return rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.seq - b.seq).map(deliveryOfRow);
  }

  async finishAttempt(id: string, owner: string, outcome: AlertAttemptOutcome): Promise<AlertDelivery | null> {
    validateOutcome(outcome);
    const c = outcomeColumns(outcome);
    const { rows } = await this.pool.query<OutboxRow>(
      `UPDATE alert_outbox SET state = $1, attempts = attempts + $2, next_attempt_at = coalesce($3::int8, next_attempt_at),
         last_error = CASE WHEN $4::boolean THEN last_error ELSE $5::text END,
         claim_owner = NULL, claim_until = NULL, updated_at = greatest(updated_at, $6::int8)
       WHERE id = $7 AND state = 'pending' AND claim_owner = $8 RETURNING *`,
      [c.state, c.attemptsAdded, c.nextAttemptAt, c.keepError, c.lastError, outcome.atMs, id, owner],
    );
    const row = rows[0];
    return row === undefined ? null : deliveryOfRow(row);
  }

  async list(query: AlertDeliveryQuery = {}): Promise<AlertDeliveryPage> {
    validateState(query.state);
    const limit = pageLimit(query.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.state !== undefined) add('state = ?', query.state);
    if (query.channel !== undefined) add('channel = ?', query.channel);
    if (query.cursor !== undefined && query.cursor !== null) add('seq > ?::int8', decodeCursor(query.cursor)[1]);
    params.push(limit + 1);
    const sql = `SELECT * FROM alert_outbox ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY seq LIMIT $${params.length}`;
    const { rows } = await this.pool.query<OutboxRow>(sql, params);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map(deliveryOfRow), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(0, last.seq) : null };
  }

  /** finished deliveries last touched before `beforeMs`, and the reminder slots of incidents no longer open */
  async pruneFinished(beforeMs: number): Promise<number> {
    await this.pool.query(
      'DELETE FROM alert_reminders r WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.target_id = r.target_id AND i.opened_at = r.opened_at AND i.closed_at IS NULL)',
    );
    return (await this.pool.query(`DELETE FROM alert_outbox WHERE state <> 'pending' AND updated_at < $1`, [beforeMs])).rowCount ?? 0;
  }

  async openIncidentReminders(after: IncidentPageAfter | null = null): Promise<OpenIncidentReminders[]> {
    validateIncidentPageAfter(after);
    // one snapshot for both reads: a slot never refers to an incident the first read missed
    return inTransaction(this.pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const page = [after?.openedAt ?? null, after?.id ?? null];
      const incidents = await client.query<IncidentRow>(OPEN_INCIDENT_PAGE, page);
      const slots = await client.query<ReminderRow>(`WITH page AS (${OPEN_INCIDENT_PAGE}) SELECT r.* FROM alert_reminders r JOIN page i ON i.target_id = r.target_id AND i.opened_at = r.opened_at`, page);
      return remindersOfRows(incidents.rows.map(incidentFromRow), slots.rows);
    });
  }

  /**
   * The incident row is locked FOR SHARE first: a close waits for this transaction (and then
   * enqueues its resolution after this reminder), or this one sees it closed. Two nodes
   * taking one slot: the second's insert or compare-and-set waits for the first's commit and
   * then changes nothing.
   */
  async takeReminder(t: AlertReminderTake): Promise<boolean> {
    validateReminderTake(t);
    const d = t.delivery;
    return inTransaction(this.pool, async (client) => {
      const open = await client.query('SELECT 1 FROM incidents WHERE target_id = $1 AND opened_at = $2 AND closed_at IS NULL FOR SHARE', [t.targetId, t.openedAt]);
      if (open.rowCount !== 1) return false;
      const taken = t.previousDueAt === null
        ? await client.query('INSERT INTO alert_reminders (target_id, opened_at, channel, repeat, due_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [t.targetId, t.openedAt, d.channel, t.repeat, t.dueAt])
        : await client.query('UPDATE alert_reminders SET repeat = $1, due_at = $2 WHERE target_id = $3 AND opened_at = $4 AND channel = $5 AND due_at = $6', [t.repeat, t.dueAt, t.targetId, t.openedAt, d.channel, t.previousDueAt]);
      if (taken.rowCount !== 1) return false;
      await client.query(
        `INSERT INTO alert_outbox (id, channel, event_type, target_id, payload, state, attempts, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6) ON CONFLICT (id) DO NOTHING`,
        [d.id, d.channel, d.eventType, d.targetId, d.payload, d.createdAt],
      );
      return true;
    });
  }
}
