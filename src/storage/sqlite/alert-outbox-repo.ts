import type Database from 'better-sqlite3';
import { deliveryOfRow, MAX_REMINDER_INCIDENTS, outcomeColumns, remindersOfRows, validateClaim, validateFinishedDelivery, validateNewDelivery, validateOutcome, validateIncidentPageAfter, validateReminderTake, validateState, type OutboxRow, type ReminderRow } from '../alert-outbox.js';
import type { AlertAttemptOutcome, AlertClaim, AlertDelivery, AlertDeliveryPage, AlertDeliveryQuery, AlertReminderTake, FinishedAlertDelivery, IncidentPageAfter, NewAlertDelivery, OpenIncidentReminders } from '../store.js';
import { incidentFromRow, type IncidentRow } from '../stored-rows.js';
import { decodeCursor, encodeCursor, pageLimit } from './results-repo.js';

/** The alert outbox (docs/storage.md): one row per event × channel, claimed while an attempt runs. */
export class AlertOutboxRepo {
  private readonly insert: Database.Statement;
  private readonly insertFinished: Database.Statement;
  private readonly due: Database.Statement;
  private readonly take: Database.Statement;
  private readonly finish: Database.Statement;
  private readonly prune: Database.Statement;
  private readonly openIncidents: Database.Statement;
  private readonly slots: Database.Statement;
  private readonly isOpen: Database.Statement;
  private readonly firstSlot: Database.Statement;
  private readonly nextSlot: Database.Statement;
  private readonly pruneSlots: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO alert_outbox (id, channel, event_type, target_id, payload, state, attempts, next_attempt_at, created_at, updated_at)
       VALUES (@id, @channel, @eventType, @targetId, @payload, 'pending', 0, @createdAt, @createdAt, @createdAt)
       ON CONFLICT (id) DO NOTHING`,
    );
    this.insertFinished = db.prepare(
      `INSERT INTO alert_outbox (id, channel, event_type, target_id, payload, state, attempts, next_attempt_at, last_error, created_at, updated_at)
       VALUES (@id, @channel, @eventType, @targetId, @payload, @state, 1, @createdAt, @lastError, @createdAt, @finishedAt)
       ON CONFLICT (id) DO NOTHING`,
    );
    // due, not held by a live claim, and the oldest pending one of its channel and target
    this.due = db.prepare(
      `SELECT seq FROM alert_outbox o
       WHERE state = 'pending' AND next_attempt_at <= @now AND (claim_until IS NULL OR claim_until <= @now)
         AND NOT EXISTS (SELECT 1 FROM alert_outbox p WHERE p.state = 'pending' AND p.channel = o.channel
                         AND p.target_id IS o.target_id AND p.seq < o.seq)
       ORDER BY next_attempt_at, seq LIMIT @limit`,
    ).pluck();
    this.take = db.prepare('UPDATE alert_outbox SET claim_owner = ?, claim_until = ? WHERE seq = ? RETURNING *');
    this.finish = db.prepare(
      `UPDATE alert_outbox SET state = @state, attempts = attempts + @attemptsAdded,
         next_attempt_at = coalesce(@nextAttemptAt, next_attempt_at),
         last_error = CASE WHEN @keepError = 1 THEN last_error ELSE @lastError END,
         claim_owner = NULL, claim_until = NULL, updated_at = max(updated_at, @atMs)
       WHERE id = @id AND state = 'pending' AND claim_owner = @owner RETURNING *`,
    );
    this.prune = db.prepare(`DELETE FROM alert_outbox WHERE state <> 'pending' AND updated_at < ?`);
    // one page of open incidents, oldest first, after (@openedAt, @id) when @openedAt is not null
    const page = `SELECT * FROM incidents WHERE closed_at IS NULL AND (@openedAt IS NULL OR (opened_at, id) > (@openedAt, @id)) ORDER BY opened_at, id LIMIT ${MAX_REMINDER_INCIDENTS}`;
    this.openIncidents = db.prepare(page);
    this.slots = db.prepare(`WITH page AS (${page}) SELECT r.* FROM alert_reminders r JOIN page i ON i.target_id = r.target_id AND i.opened_at = r.opened_at`);
    this.isOpen = db.prepare('SELECT 1 FROM incidents WHERE target_id = ? AND opened_at = ? AND closed_at IS NULL');
    this.firstSlot = db.prepare('INSERT INTO alert_reminders (target_id, opened_at, channel, repeat, due_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.nextSlot = db.prepare('UPDATE alert_reminders SET repeat = ?, due_at = ? WHERE target_id = ? AND opened_at = ? AND channel = ? AND due_at = ?');
    this.pruneSlots = db.prepare(
      'DELETE FROM alert_reminders WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.target_id = alert_reminders.target_id AND i.opened_at = alert_reminders.opened_at AND i.closed_at IS NULL)',
    );
  }

  enqueue(deliveries: readonly NewAlertDelivery[]): void {
    for (const d of deliveries) validateNewDelivery(d);
    this.db.transaction(() => {
      for (const d of deliveries) this.insert.run(d);
    })();
  }

  recordFinished(d: FinishedAlertDelivery): void {
    const lastError = validateFinishedDelivery(d);
    this.insertFinished.run({ id: d.id, channel: d.channel, eventType: d.eventType, targetId: d.targetId, payload: d.payload, state: d.state, createdAt: d.createdAt, lastError, finishedAt: d.finishedAt });
  }

  claim(c: AlertClaim): AlertDelivery[] {
    validateClaim(c);
    return this.db.transaction(() => {
      const seqs = this.due.all({ now: c.nowMs, limit: c.limit }) as number[];
      return seqs.map((seq) => deliveryOfRow(this.take.get(c.owner, c.nowMs + c.leaseMs, seq) as OutboxRow));
    })();
  }

  finishAttempt(id: string, owner: string, outcome: AlertAttemptOutcome): AlertDelivery | null {
    validateOutcome(outcome);
    const cols = outcomeColumns(outcome);
    const row = this.finish.get({ ...cols, keepError: cols.keepError ? 1 : 0, atMs: outcome.atMs, id, owner }) as OutboxRow | undefined;
    return row === undefined ? null : deliveryOfRow(row);
  }

  list(query: AlertDeliveryQuery = {}): AlertDeliveryPage {
    validateState(query.state);
    const limit = pageLimit(query.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      where.push(sql);
      params.push(value);
    };
    if (query.state !== undefined) add('state = ?', query.state);
    if (query.channel !== undefined) add('channel = ?', query.channel);
    if (query.cursor !== undefined && query.cursor !== null) add('seq > ?', decodeCursor(query.cursor)[1]);
    const sql = `SELECT * FROM alert_outbox ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY seq LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit + 1) as OutboxRow[];
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map(deliveryOfRow), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(0, last.seq) : null };
  }

  /** finished deliveries last touched before `beforeMs`, and the reminder slots of incidents no longer open */
  pruneFinished(beforeMs: number): number {
    this.pruneSlots.run();
    return this.prune.run(beforeMs).changes;
  }

  openIncidentReminders(after: IncidentPageAfter | null = null): OpenIncidentReminders[] {
    validateIncidentPageAfter(after);
    const page = { openedAt: after?.openedAt ?? null, id: after?.id ?? null };
    // one read transaction for both: a slot never refers to an incident the first read missed
    return this.db.transaction(() => remindersOfRows((this.openIncidents.all(page) as IncidentRow[]).map(incidentFromRow), this.slots.all(page) as ReminderRow[]))();
  }

  takeReminder(t: AlertReminderTake): boolean {
    validateReminderTake(t);
    return this.db.transaction(() => {
      if (this.isOpen.get(t.targetId, t.openedAt) === undefined) return false;
      const taken = t.previousDueAt === null
        ? this.firstSlot.run(t.targetId, t.openedAt, t.delivery.channel, t.repeat, t.dueAt).changes
        : this.nextSlot.run(t.repeat, t.dueAt, t.targetId, t.openedAt, t.delivery.channel, t.previousDueAt).changes;
      if (taken !== 1) return false;
      this.insert.run(t.delivery);
      return true;
    })();
  }
}
