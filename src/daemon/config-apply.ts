/**
 * Config targets in and out of the running set. Rules (docs/daemon.md, "Reload"):
 * - a valid target is upserted into the store and (re)scheduled; an unchanged one is left alone;
 * - a refused target whose id or name matches one already running keeps the running
 *   definition ("nothing stored is lost"); the error names the target and field;
 * - a config target no longer in the file is unscheduled and removed from the targets table;
 *   its results and incidents stay queryable;
 * - a config target may not take the id or name of an API-created target.
 */
import type { DaemonConfig } from '../config/daemon-config.js';
import { parseTargetInput, type TargetDefinition } from '../config/target-definition.js';
import type { FieldError } from './daemon-handle.js';
import type { Logger } from './logger.js';
import type { TargetHost } from './target-host.js';
import { sameTarget, storedForm, toNewTarget } from './target-registry.js';
import { targetInputOf, type TargetRecord, type UpsertOutcome } from '../storage/store.js';

export interface ConfigApplyReport {
  /** config targets now running from this file */
  readonly loaded: number;
  readonly removed: number;
  /** ids kept at their previous definition because the new one was refused */
  readonly kept: readonly string[];
  readonly errors: readonly FieldError[];
}

/**
 * Startup: every stored target joins the running set (config ones until the file replaces
 * them). A stored config target the file defines (validly) is not validated here: the file's
 * definition replaces it in `applyConfigTargets`, which compares it with the stored row it
 * gets back from here (so each target is validated once at start, not twice).
 */
export async function loadStoredTargets(host: TargetHost, log: Logger, config: DaemonConfig | null = null): Promise<ReadonlyMap<string, TargetRecord>> {
  const records = await host.store.listTargets();
  const inFile = new Set(config?.targets.map((t) => t.id) ?? []);
  const replaced = new Map<string, TargetRecord>();
  for (const record of records) {
    if (record.source === 'config' && inFile.has(record.id)) {
      replaced.set(record.id, record);
      continue;
    }
    scheduleStored(host, log, record);
  }
  return replaced;
}

function scheduleStored(host: TargetHost, log: Logger, record: TargetRecord): boolean {
  const parsed = parseTargetInput(targetInputOf(record), record.source, host.defaults);
  if (!parsed.ok) {
    const e = parsed.errors[0];
    log.warn(`stored target ${record.id} not scheduled: ${e?.field}: ${e?.message} (kept in the store)`);
    return false;
  }
  host.schedule(parsed.target);
  return true;
}

const UPSERT_CHUNK = 500;

/** A config target may not take the id or name of an API-created target. */
function apiConflict(host: TargetHost, target: TargetDefinition): FieldError | null {
  if (host.registry.get(target.id)?.source === 'api') {
    return { target: target.name, field: 'id', message: `id ${JSON.stringify(target.id)} is already used by a target created through the API` };
  }
  const nameOwner = host.registry.idOfName(target.name);
  if (nameOwner !== undefined && nameOwner !== target.id && host.registry.get(nameOwner)?.source === 'api') {
    return { target: target.name, field: 'name', message: 'name is already used by a target created through the API' };
  }
  return null;
}

/**
 * `nowMs` is the daemon's clock: the updatedAt of every target this load writes. `stored`:
 * at start, the stored rows of config targets `loadStoredTargets` left out of the running set
 * (a target equal to its row is not written again).
 */
export async function applyConfigTargets(host: TargetHost, config: DaemonConfig, log: Logger, nowMs: number, stored: ReadonlyMap<string, TargetRecord> = new Map()): Promise<ConfigApplyReport> {
  const errors: FieldError[] = [...config.targetErrors];
  const refused = new Set(config.targetErrors.map((e) => e.target));
  const wanted = new Set(config.targets.map((t) => t.id));
  const kept: string[] = [];
  let removed = 0;
  // Removals first, so an id that moved to another name (or back) does not collide in the store.
  for (const current of host.registry.all()) {
    if (current.source !== 'config' || wanted.has(current.id)) continue;
    if (refused.has(current.id) || refused.has(current.name)) {
      kept.push(current.id);
      continue;
    }
    await host.store.deleteTarget(current.id);
    host.unschedule(current.id);
    removed++;
  }
  let loaded = 0;
  // Changed targets go to the store in chunks, each chunk one call and one transaction
  // (a savepoint per target, so one refusal does not sink the rest): a 100,000-target file
  // would otherwise cost a worker round trip and a commit per target.
  for (let i = 0; i < config.targets.length; i += UPSERT_CHUNK) {
    const chunk = config.targets.slice(i, i + UPSERT_CHUNK).filter((target) => {
      const conflict = apiConflict(host, target);
      if (conflict !== null) errors.push(conflict);
      return conflict === null;
    });
    const changed = chunk.filter((target) => {
      const byId = host.registry.get(target.id);
      if (byId === undefined) {
        const row = stored.get(target.id);
        return row === undefined || !sameTarget(storedForm(row), toNewTarget(target));
      }
      // The spec too: a referenced secret (`${file:…}`) may have changed under the same input.
      return !sameTarget(toNewTarget(byId), toNewTarget(target)) || JSON.stringify(byId.spec) !== JSON.stringify(target.spec);
    });
    let outcomes: UpsertOutcome[];
    try {
      outcomes = changed.length === 0 ? [] : await host.store.upsertTargets(changed.map(toNewTarget), nowMs);
    } catch (err) {
      const message = err instanceof Error ? err.message : 'could not be stored';
      outcomes = changed.map(() => ({ ok: false, field: 'target', message }));
    }
    const refusedHere = new Map<string, UpsertOutcome>();
    changed.forEach((target, j) => {
      const outcome = outcomes[j];
      if (outcome !== undefined && !outcome.ok) refusedHere.set(target.id, outcome);
    });
    for (const target of chunk) {
      const outcome = refusedHere.get(target.id);
      if (outcome !== undefined && !outcome.ok) {
        errors.push({ target: target.name, field: outcome.field, message: outcome.message });
        continue;
      }
      host.schedule(target);
      loaded++;
    }
  }
  // a stored config target the file could not replace (refused by the store, or clashing with
  // an API target) keeps running at its stored definition, as if loaded before
  for (const [id, record] of stored) if (host.registry.get(id) === undefined && scheduleStored(host, log, record)) kept.push(id);
  for (const e of errors) log.warn(`config: target ${e.target ?? '?'} refused: ${e.field}: ${e.message}`);
  for (const id of kept) log.warn(`config: target ${id} keeps its previous definition (the new one was refused)`);
  return { loaded, removed, kept, errors };
}
