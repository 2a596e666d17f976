import { defineCheck, SpecError } from '../domain/check-spec.js';
import type { CheckSpec } from '../domain/check-spec.js';
import { MAX_TARGET_REGIONS, QUORUMS, REGION_EXPECTED, REGION_FORM } from '../domain/region.js';
import type { NewTarget, TargetRecord } from './store.js';
import { StoreInputError } from './store.js';

const MIN_INTERVAL_MS = 1_000;
const MAX_INTERVAL_MS = 86_400_000;
const MAX_CONFIRMATIONS = 100;
const ID_FORM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A refused value in a message: ASCII JSON, bounded; control and bidi characters shown escaped, never raw. */
export function shownValue(got: unknown): string {
  return (JSON.stringify(got) ?? String(got)).slice(0, 200).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function fail(field: string, expected: string, got: unknown): never {
  throw new StoreInputError(field, `${field}: expected ${expected}, got ${shownValue(got)}`);
}

/**
 * Checks a target before it is stored; throws StoreInputError naming the field. The check
 * input goes through `defineCheck`, so what is stored is always something the executor can
 * run. Returns the spec so callers need not validate twice.
 */
export function validateTarget(target: NewTarget): CheckSpec {
  if (typeof target.id !== 'string' || !ID_FORM.test(target.id)) {
    fail('id', '1-128 characters from A-Z a-z 0-9 . _ - (starting with a letter or digit)', target.id);
  }
  if (typeof target.name !== 'string' || target.name.trim() === '' || target.name.length > 200) {
    fail('name', 'a non-blank string of at most 200 characters', target.name);
  }
  const interval = target.intervalMs;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < MIN_INTERVAL_MS || interval > MAX_INTERVAL_MS) {
    fail('intervalMs', `an integer from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`, interval);
  }
  if (!Array.isArray(target.tags) || target.tags.some((t) => typeof t !== 'string' || t === '' || t.length > 100)) {
    fail('tags', 'a list of non-empty strings (at most 100 characters each)', target.tags);
  }
  if (typeof target.enabled !== 'boolean') fail('enabled', 'true or false', target.enabled);
  const n = target.confirmations;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_CONFIRMATIONS) {
    fail('confirmations', `an integer from 1 to ${MAX_CONFIRMATIONS}`, n);
  }
  const regions = target.regions;
  if (regions !== undefined && regions !== null) {
    const isList = Array.isArray(regions) && regions.length >= 1 && regions.length <= MAX_TARGET_REGIONS;
    if (!isList || regions.some((r, i) => typeof r !== 'string' || !REGION_FORM.test(r) || regions.indexOf(r) !== i)) {
      fail('regions', `null, or 1-${MAX_TARGET_REGIONS} distinct ${REGION_EXPECTED}`, regions);
    }
  }
  if (target.quorum !== undefined && !(QUORUMS as readonly unknown[]).includes(target.quorum)) fail('quorum', QUORUMS.map((q) => JSON.stringify(q)).join(', '), target.quorum);
  if (target.source !== 'config' && target.source !== 'api') fail('source', '"config" or "api"', target.source);
  return specOf(target);
}

/**
 * Re-validates a stored (or new) target's check input. Throws StoreInputError with the
 * field as `input.<field>` and the target id in the message.
 */
function specOf(target: Pick<TargetRecord, 'id' | 'input'>): CheckSpec {
  if (typeof target.input !== 'object' || target.input === null) fail('input', 'a check definition object', target.input);
  try {
    return defineCheck(target.input);
  } catch (err) {
    if (err instanceof SpecError) {
      throw new StoreInputError(`input.${err.field}`, `target ${target.id}: input.${err.message}`);
    }
    throw err;
  }
}
