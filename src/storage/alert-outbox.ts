/**
 * What both stores share about the alert outbox: input checks (StoreInputError naming the
 * field) and the row → AlertDelivery mapping. The SQL lives in each store's repo.
 */
import type { AlertAttemptOutcome, AlertClaim, AlertDelivery, AlertDeliveryState, AlertReminderSlot, AlertReminderTake, FinishedAlertDelivery, Incident, IncidentPageAfter, NewAlertDelivery, OpenIncidentReminders } from './store.js';
import { StoreInputError } from './store.js';

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_PAYLOAD_CHARS = 65_536;
const MAX_ERROR_CHARS = 500;
const MAX_LEASE_MS = 3_600_000;
const STATES: readonly AlertDeliveryState[] = ['pending', 'delivered', 'failed'];

function fail(field: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' && got.length > 80 ? `${got.slice(0, 80)}…` : got;
  throw new StoreInputError(field, `${field}: expected ${expected}, got ${JSON.stringify(shown)}`);
}

function epochMs(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(field, 'epoch milliseconds (a non-negative integer)', value);
}

export function validateNewDelivery(d: NewAlertDelivery): void {
  if (typeof d.id !== 'string' || !DELIVERY_ID.test(d.id)) fail('id', '1-128 characters from A-Z a-z 0-9 . _ : -', d.id);
  if (typeof d.channel !== 'string' || !NAME.test(d.channel)) fail('channel', 'a channel name (1-128 of A-Z a-z 0-9 . _ : -)', d.channel);
  if (typeof d.eventType !== 'string' || !NAME.test(d.eventType)) fail('eventType', 'an event type such as incident_opened', d.eventType);
  if (d.targetId !== null && (typeof d.targetId !== 'string' || !NAME.test(d.targetId))) fail('targetId', 'a target id or null', d.targetId);
  if (typeof d.payload !== 'string' || d.payload.length === 0 || d.payload.length > MAX_PAYLOAD_CHARS) fail('payload', `JSON text of 1-${MAX_PAYLOAD_CHARS} characters`, typeof d.payload === 'string' ? `${d.payload.length} characters` : d.payload);
  epochMs('createdAt', d.createdAt);
}

/** A finished delivery's checks; returns the row's last_error, cut like an attempt's. */
export function validateFinishedDelivery(d: FinishedAlertDelivery): string | null {
  validateNewDelivery(d);
  if (d.state !== 'delivered' && d.state !== 'failed') fail('state', 'delivered or failed', d.state);
  epochMs('finishedAt', d.finishedAt);
  if (d.state === 'failed' && (typeof d.lastError !== 'string' || d.lastError.length === 0)) fail('lastError', 'a non-empty reason for a failed delivery', d.lastError);
  if (d.state === 'delivered' && d.lastError !== null) fail('lastError', 'null for a delivered delivery', d.lastError);
  return d.lastError === null ? null : d.lastError.slice(0, MAX_ERROR_CHARS);
}

export function validateClaim(c: AlertClaim): void {
  if (typeof c.owner !== 'string' || c.owner.length === 0 || c.owner.length > 200) fail('owner', 'a node id of 1-200 characters', c.owner);
  epochMs('nowMs', c.nowMs);
  if (typeof c.leaseMs !== 'number' || !Number.isInteger(c.leaseMs) || c.leaseMs < 1 || c.leaseMs > MAX_LEASE_MS) fail('leaseMs', `an integer from 1 to ${MAX_LEASE_MS}`, c.leaseMs);
  if (typeof c.limit !== 'number' || !Number.isInteger(c.limit) || c.limit < 1 || c.limit > 1000) fail('limit', 'an integer from 1 to 1000', c.limit);
}

export function validateOutcome(o: AlertAttemptOutcome): void {
  if (!['delivered', 'retry', 'failed', 'released'].includes((o as { kind: unknown }).kind as string)) fail('outcome.kind', 'delivered, retry, failed or released', (o as { kind: unknown }).kind);
  epochMs('outcome.atMs', o.atMs);
  if (o.kind === 'retry') epochMs('outcome.nextAttemptAt', o.nextAttemptAt);
  if ((o.kind === 'retry' || o.kind === 'failed') && (typeof o.error !== 'string' || o.error.length === 0)) fail('outcome.error', 'a non-empty reason', o.error);
}

export function validateState(state: unknown): void {
  if (state !== undefined && !STATES.includes(state as AlertDeliveryState)) fail('state', 'pending, delivered or failed', state);
}

/** The column values an outcome writes (attempts added, state, next attempt, last error). */
export function outcomeColumns(o: AlertAttemptOutcome): { attemptsAdded: number; state: AlertDeliveryState; nextAttemptAt: number | null; lastError: string | null; keepError: boolean } {
  const error = 'error' in o ? o.error.slice(0, MAX_ERROR_CHARS) : null;
  switch (o.kind) {
    case 'delivered':
      return { attemptsAdded: 1, state: 'delivered', nextAttemptAt: null, lastError: null, keepError: false };
    case 'retry':
      return { attemptsAdded: 1, state: 'pending', nextAttemptAt: o.nextAttemptAt, lastError: error, keepError: false };
    case 'failed':
      return { attemptsAdded: 1, state: 'failed', nextAttemptAt: null, lastError: error, keepError: false };
    case 'released':
      return { attemptsAdded: 0, state: 'pending', nextAttemptAt: null, lastError: null, keepError: true };
  }
}

export interface OutboxRow {
  seq: number;
  id: string;
  channel: string;
  event_type: string;
  target_id: string | null;
  payload: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export function deliveryOfRow(r: OutboxRow): AlertDelivery {
  return {
    id: r.id,
    channel: r.channel,
    eventType: r.event_type,
    targetId: r.target_id,
    payload: r.payload,
    createdAt: r.created_at,
    state: r.state as AlertDeliveryState,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    updatedAt: r.updated_at,
  };
}

/** A reminder take's checks (the slot and its delivery agree; the slot moves forward). */
export function validateReminderTake(t: AlertReminderTake): void {
  validateNewDelivery(t.delivery);
  if (t.delivery.targetId === null || typeof t.targetId !== 'string' || t.delivery.targetId !== t.targetId) fail('delivery.targetId', `the slot's targetId ${JSON.stringify(t.targetId)}`, t.delivery.targetId);
  epochMs('openedAt', t.openedAt);
  epochMs('dueAt', t.dueAt);
  if (t.previousDueAt !== null) {
    epochMs('previousDueAt', t.previousDueAt);
    if (t.dueAt <= t.previousDueAt) fail('dueAt', `later than previousDueAt (${t.previousDueAt})`, t.dueAt);
  }
  if (t.dueAt <= t.openedAt) fail('dueAt', `later than openedAt (${t.openedAt})`, t.dueAt);
  if (typeof t.repeat !== 'number' || !Number.isSafeInteger(t.repeat) || t.repeat < 1) fail('repeat', 'a positive integer', t.repeat);
}

/** A page start of `listOpenIncidentReminders`: null, or an incident's openedAt and id. */
export function validateIncidentPageAfter(after: IncidentPageAfter | null): void {
  if (after === null) return;
  if (typeof after !== 'object') fail('after', 'null or { openedAt, id }', after);
  epochMs('after.openedAt', after.openedAt);
  if (typeof after.id !== 'number' || !Number.isSafeInteger(after.id) || after.id < 0) fail('after.id', 'an incident id (a non-negative integer)', after.id);
}

export interface ReminderRow {
  target_id: string;
  opened_at: number | string;
  channel: string;
  repeat: number;
  due_at: number | string;
}

/** Open incidents with their slots, from the incident rows and the slot rows of those incidents. */
export function remindersOfRows(incidents: readonly Incident[], slots: readonly ReminderRow[]): OpenIncidentReminders[] {
  const byIncident = new Map<string, AlertReminderSlot[]>();
  for (const r of slots) {
    const key = `${r.target_id}\u0000${Number(r.opened_at)}`;
    (byIncident.get(key) ?? byIncident.set(key, []).get(key))?.push({ channel: r.channel, repeat: r.repeat, dueAt: Number(r.due_at) });
  }
  return incidents.map((incident) => ({ incident, slots: byIncident.get(`${incident.targetId}\u0000${incident.openedAt}`) ?? [] }));
}

/** Open incidents per page of `listOpenIncidentReminders` (a reminder round reads every page, oldest first). */
export const MAX_REMINDER_INCIDENTS = 1000;
