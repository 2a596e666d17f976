/** Target CRUD for the API: validate once, persist, then change the running set. */
import type { CheckResult } from '../domain/check-result.js';
import { parseTargetInput, type TargetDefaults, type TargetDefinition } from '../config/target-definition.js';
import { StoreConflictError, StoreInputError } from '../storage/store.js';
import type { FieldError, ScheduledResult, TargetMutation, TestSpecOutcome } from './daemon-handle.js';
import type { TargetHost } from './target-host.js';
import { toNewTarget, toView } from './target-registry.js';
import { generatePushToken, hashPushToken } from '../config/push-token.js';

type Refusal = Extract<TargetMutation, { ok: false }>;

const refuse = (code: Refusal['code'], errors: FieldError[]): Refusal => ({ ok: false, code, errors });

/** The SSRF switch is the operator's: only the config file may turn it off for a target. */
function refusePrivateSwitch(input: unknown, label: string | null): Refusal | null {
  if (input !== null && typeof input === 'object' && 'allowPrivateTargets' in input) {
    return refuse('invalid', [{ target: label, field: 'allowPrivateTargets', message: 'can only be set in the config file (operator decision); API targets use the config defaults' }]);
  }
  return null;
}

/** A new target whose name or id is in use (one wording for the daemon and its test fixture). */
export function takenRefusal(t: Pick<TargetDefinition, 'id' | 'name'>, hasName: (name: string) => boolean, hasId: (id: string) => boolean): Refusal | null {
  // the name first: an id derived from a taken name is the same clash, reported as what the client wrote
  if (hasName(t.name)) return refuse('conflict', [{ target: t.name, field: 'name', message: `name ${JSON.stringify(t.name)} is already taken` }]);
  if (hasId(t.id)) return refuse('conflict', [{ target: t.name, field: 'id', message: `id ${JSON.stringify(t.id)} is already taken` }]);
  return null;
}

/** A store's conflict or input error as the API's refusal (one wording for the daemon and its test fixture). */
export function storeRefusal(err: unknown, label: string): Refusal {
  // a store's message starts with its field ("name: …"), which the API names again
  const message = (e: StoreConflictError | StoreInputError) => (e.message.startsWith(`${e.field}: `) ? e.message.slice(e.field.length + 2) : e.message);
  if (err instanceof StoreConflictError) return refuse('conflict', [{ target: label, field: err.field, message: message(err) }]);
  if (err instanceof StoreInputError) return refuse('invalid', [{ target: label, field: err.field, message: message(err) }]);
  throw err;
}

/** The `check` block of a target input when it is a heartbeat's without a token of its own. */
function tokenlessHeartbeatCheck(input: unknown): Record<string, unknown> | null {
  if (input === null || typeof input !== 'object') return null;
  const check = (input as { check?: unknown }).check;
  if (check === null || typeof check !== 'object' || Array.isArray(check)) return null;
  const c = check as Record<string, unknown>;
  if (c.kind !== 'heartbeat' || c.token !== undefined || (c.tokenHash !== undefined && c.tokenHash !== null)) return null;
  return c;
}

function withTokenHash(input: unknown, check: Record<string, unknown>, tokenHash: string): unknown {
  return { ...(input as Record<string, unknown>), check: { ...check, tokenHash } };
}

export async function createApiTarget(host: TargetHost, input: unknown, nowMs: number): Promise<TargetMutation> {
  const blocked = refusePrivateSwitch(input, null);
  if (blocked !== null) return blocked;
  // A heartbeat without a token of its own gets one made here, shown once in the answer.
  const tokenless = tokenlessHeartbeatCheck(input);
  const pushToken = tokenless === null ? null : generatePushToken();
  if (tokenless !== null && pushToken !== null) input = withTokenHash(input, tokenless, hashPushToken(pushToken));
  const parsed = parseTargetInput(input, 'api', host.defaults);
  if (!parsed.ok) return refuse('invalid', parsed.errors);
  const t = parsed.target;
  const taken = takenRefusal(t, (name) => host.registry.idOfName(name) !== undefined, (id) => host.registry.get(id) !== undefined);
  if (taken !== null) return taken;
  try {
    await host.store.createTarget(toNewTarget(t), nowMs);
  } catch (err) {
    return storeRefusal(err, t.name);
  }
  host.schedule(t);
  return { ok: true, target: toView(t), ...(pushToken === null ? {} : { pushToken }) };
}

function editable(host: TargetHost, id: string): Refusal | TargetDefinition {
  const existing = host.registry.get(id);
  if (existing === undefined) return refuse('not_found', [{ target: id, field: 'id', message: `no target with id ${JSON.stringify(id)}` }]);
  if (existing.source === 'config') return refuse('read_only', [{ target: id, field: 'source', message: 'this target comes from the config file; edit the file and reload (SIGHUP)' }]);
  return existing;
}

export async function updateApiTarget(host: TargetHost, id: string, input: unknown, nowMs: number): Promise<TargetMutation> {
  const existing = editable(host, id);
  if ('ok' in existing) return existing;
  const blocked = refusePrivateSwitch(input, id);
  if (blocked !== null) return blocked;
  if (input !== null && typeof input === 'object' && 'id' in input && (input as { id: unknown }).id !== id) {
    return refuse('invalid', [{ target: id, field: 'id', message: 'the id cannot change (it keys the history and the phase)' }]);
  }
  // A PUT of a heartbeat that says nothing of its token keeps the current one.
  const tokenless = tokenlessHeartbeatCheck(input);
  if (tokenless !== null && existing.spec.kind === 'heartbeat' && existing.spec.tokenHash !== null) input = withTokenHash(input, tokenless, existing.spec.tokenHash);
  const parsed = parseTargetInput(input !== null && typeof input === 'object' ? { ...input, id } : input, 'api', host.defaults);
  if (!parsed.ok) return refuse('invalid', parsed.errors);
  const t = parsed.target;
  const owner = host.registry.idOfName(t.name);
  if (owner !== undefined && owner !== id) return refuse('conflict', [{ target: id, field: 'name', message: `name ${JSON.stringify(t.name)} is already taken` }]);
  return (await storeUpdate(host, id, t, nowMs)) ?? { ok: true, target: toView(t) };
}

/** Stores an update of an existing target and reschedules it; a refusal, or null when done. */
async function storeUpdate(host: TargetHost, id: string, t: TargetDefinition, nowMs: number): Promise<TargetMutation | null> {
  const { id: _id, source: _source, ...patch } = toNewTarget(t);
  try {
    const updated = await host.store.updateTarget(id, patch, nowMs);
    if (updated === null) return refuse('not_found', [{ target: id, field: 'id', message: `no target with id ${JSON.stringify(id)}` }]);
  } catch (err) {
    return storeRefusal(err, id);
  }
  host.schedule(t);
  return null;
}

/** A new push token for an API heartbeat target: stored as its hash, returned once. */
export async function rotateApiPushToken(host: TargetHost, id: string, nowMs: number): Promise<TargetMutation> {
  const existing = host.registry.get(id);
  if (existing === undefined) return refuse('not_found', [{ target: id, field: 'id', message: `no target with id ${JSON.stringify(id)}` }]);
  if (existing.spec.kind !== 'heartbeat') return refuse('invalid', [{ target: id, field: 'check.kind', message: `only heartbeat targets have a push token; this one is ${existing.spec.kind}` }]);
  if (existing.source === 'config') {
    return refuse('read_only', [{ target: id, field: 'check.token', message: 'this target takes its token from the config file (a ${env:…} or ${file:…} reference); change the secret there and reload (SIGHUP)' }]);
  }
  const pushToken = generatePushToken();
  const { token: _reference, ...check } = existing.checkInput as unknown as Record<string, unknown>;
  const input = {
    id, name: existing.name, check: { ...check, tokenHash: hashPushToken(pushToken) }, interval: existing.intervalMs, tags: [...existing.tags], enabled: existing.enabled, confirmations: existing.confirmations,
    regions: existing.regions, quorum: existing.quorum,
  };
  const parsed = parseTargetInput(input, 'api', host.defaults);
  if (!parsed.ok) return refuse('invalid', parsed.errors);
  const t = parsed.target;
  return (await storeUpdate(host, id, t, nowMs)) ?? { ok: true, target: toView(t), pushToken };
}

export async function deleteApiTarget(host: TargetHost, id: string): Promise<TargetMutation> {
  const existing = editable(host, id);
  if ('ok' in existing) return existing;
  await host.store.deleteTarget(id);
  host.unschedule(id);
  return { ok: true, target: toView(existing) };
}

/** Runs an input once; a missing name is allowed here (nothing is stored). */
export async function testTargetInput(input: unknown, defaults: TargetDefaults, run: (t: TargetDefinition) => Promise<ScheduledResult>): Promise<TestSpecOutcome> {
  const blocked = refusePrivateSwitch(input, null);
  if (blocked !== null) return { ok: false, code: 'invalid', errors: blocked.errors };
  const named = input !== null && typeof input === 'object' && !('name' in input) ? { ...input, name: 'test' } : input;
  const parsed = parseTargetInput(named, 'api', defaults);
  if (!parsed.ok) return { ok: false, code: 'invalid', errors: parsed.errors };
  if (parsed.target.spec.kind === 'heartbeat') {
    return { ok: false, code: 'invalid', errors: [{ target: null, field: 'check.kind', message: 'a heartbeat target is pushed to, not polled: there is nothing to run (push to its URL instead)' }] };
  }
  const result: CheckResult = (await run(parsed.target)).result;
  return { ok: true, result };
}
