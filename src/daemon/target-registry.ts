/**
 * The running set of targets, by id and by name. It holds full specs (with secrets) for the
 * executor and hands out redacted views to everyone else.
 */
import type { TargetDefinition } from '../config/target-definition.js';
import type { NewTarget, TargetRecord } from '../storage/store.js';
import type { TargetView } from './daemon-handle.js';
import { redactSpec } from '../domain/redact.js';
import { phaseOf } from '../scheduler/phase.js';

export class TargetRegistry {
  private readonly byId = new Map<string, TargetDefinition>();
  private readonly idByName = new Map<string, string>();
  private readonly views = new Map<string, TargetView>();
  private changes = 0;

  get size(): number {
    return this.byId.size;
  }

  /** how many times the set was changed (set or delete): lets a reader tell whether anyone else changed it */
  get changeCount(): number {
    return this.changes;
  }

  get(id: string): TargetDefinition | undefined {
    return this.byId.get(id);
  }

  idOfName(name: string): string | undefined {
    return this.idByName.get(name);
  }

  all(): TargetDefinition[] {
    return [...this.byId.values()];
  }

  set(target: TargetDefinition): void {
    this.delete(target.id);
    this.changes++;
    this.byId.set(target.id, target);
    this.idByName.set(target.name, target.id);
    this.views.set(target.id, toView(target));
  }

  delete(id: string): boolean {
    const existing = this.byId.get(id);
    if (existing === undefined) return false;
    this.changes++;
    this.byId.delete(id);
    this.views.delete(id);
    if (this.idByName.get(existing.name) === id) this.idByName.delete(existing.name);
    return true;
  }

  view(id: string): TargetView | undefined {
    return this.views.get(id);
  }

  allViews(): TargetView[] {
    return [...this.views.values()];
  }
}

export function toView(t: TargetDefinition): TargetView {
  return Object.freeze({
    id: t.id,
    name: t.name,
    source: t.source,
    spec: redactSpec(t.spec, t.secretValues),
    intervalMs: t.intervalMs,
    tags: t.tags,
    enabled: t.enabled,
    confirmations: t.confirmations,
    allowPrivateTargets: t.allowPrivateTargets,
    regions: t.regions,
    quorum: t.quorum,
    phaseMs: phaseOf(t.id, t.intervalMs),
  });
}

export function toNewTarget(t: TargetDefinition): NewTarget {
  return {
    id: t.id,
    name: t.name,
    input: t.checkInput,
    intervalMs: t.intervalMs,
    tags: [...t.tags],
    enabled: t.enabled,
    confirmations: t.confirmations,
    regions: t.regions === null ? null : [...t.regions],
    quorum: t.quorum,
    source: t.source,
  };
}

/** The stored row in the form `toNewTarget` gives (timestamps left out). */
export function storedForm(r: TargetRecord): NewTarget {
  return { id: r.id, name: r.name, input: r.input, intervalMs: r.intervalMs, tags: r.tags, enabled: r.enabled, confirmations: r.confirmations, regions: r.regions, quorum: r.quorum, source: r.source };
}

/** JSON with every object's keys sorted (Postgres `jsonb` reorders keys); undefined members left out as JSON does. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Same definition as stored? Equal forms parse to the same target, so a row equal to the
 * running (validated) definition need not be validated again, nor written.
 */
export function sameTarget(a: NewTarget, b: NewTarget): boolean {
  return canonicalJson({ ...a, regions: a.regions ?? null }) === canonicalJson({ ...b, regions: b.regions ?? null });
}
