/**
 * A small, real DaemonHandle for API tests: targets are validated by the real
 * `parseTargetInput`, persisted in a real SQLite file, and checked by the real executor.
 * No scheduler: results come from "check now" (and `runScheduledCheck`, which marks them as
 * scheduled so scheduling-lag metrics see them). The daemon's own handle replaces this in
 * the e2e test of `vigil serve`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClients, executeCheck, type Clients } from '../../../src/check/index.js';
import { BUILTIN_TARGET_DEFAULTS, parseTargetInput, type TargetDefinition } from '../../../src/config/target-definition.js';
import type { DaemonHandle, DaemonStats, ScheduledResult, TargetMutation, TargetView, TestSpecOutcome } from '../../../src/daemon/daemon-handle.js';
import { redactResult, redactSpec } from '../../../src/domain/redact.js';
import { createAlertDispatcher } from '../../../src/alerts/alert-dispatcher.js';
import { MaintenanceWindowHost } from '../../../src/daemon/maintenance-window-host.js';
import type { CheckInput } from '../../../src/domain/check-spec.js';
import { openSqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../../src/storage/store.js';
import { storeRefusal, takenRefusal } from '../../../src/daemon/target-ops.js';

export interface TestDaemon extends DaemonHandle {
  /** runs a target as if the scheduler had fired it `lagMs` late */
  runScheduledCheck(id: string, lagMs: number): Promise<ScheduledResult>;
  /** the unredacted definition (to prove secrets are kept but never shown) */
  definition(id: string): TargetDefinition | undefined;
  close(): Promise<void>;
}

const DEFAULTS = { ...BUILTIN_TARGET_DEFAULTS, allowPrivateTargets: true };

export async function startTestDaemon(): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
  const store: Store = openSqliteStore({ path: join(dir, 'vigil.db') });
  const clients: Clients = buildClients({ allowPrivateTargets: true });
  const targets = new Map<string, TargetDefinition>();
  const listeners = new Set<(event: ScheduledResult) => void>();
  const counters = { started: 0, completed: 0, written: 0 };
  let isClosed = false;
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const maintenance = new MaintenanceWindowHost(store, quiet, Date.now);
  await maintenance.load([]);

  const view = (t: TargetDefinition): TargetView => ({ ...t, spec: redactSpec(t.spec, t.secretValues), phaseMs: 0 });
  const emit = (event: ScheduledResult): void => listeners.forEach((l) => l(event));

  async function run(id: string, trigger: ScheduledResult['trigger'], lagMs: number): Promise<ScheduledResult | undefined> {
    const target = targets.get(id);
    if (target === undefined) return undefined;
    counters.started += 1;
    const result = redactResult(await executeCheck(target.spec, clients), target.secretValues);
    counters.completed += 1;
    const event: ScheduledResult = { targetId: id, result, dueAt: result.startedAt - lagMs, schedulingLagMs: lagMs, eventLoopDelayMs: 0, trigger };
    await store.insertResults([{ targetId: id, result, dueAt: event.dueAt, schedulingLagMs: lagMs, loopDelayMs: 0 }]);
    counters.written += 1;
    emit(event);
    return event;
  }

  async function save(input: unknown, existingId: string | null): Promise<TargetMutation> {
    const parsed = parseTargetInput(input, 'api', DEFAULTS);
    if (!parsed.ok) return { ok: false, code: 'invalid', errors: parsed.errors };
    const t = parsed.target;
    const raw = (input as { check: CheckInput }).check;
    const record = { id: t.id, name: t.name, input: { ...raw, ...('timeoutMs' in t.spec ? { timeoutMs: t.spec.timeoutMs } : {}) } as CheckInput, intervalMs: t.intervalMs, tags: [...t.tags], enabled: t.enabled, confirmations: t.confirmations, regions: t.regions === null ? null : [...t.regions], quorum: t.quorum, source: 'api' as const };
    if (existingId === null) {
      const taken = takenRefusal(t, (name) => [...targets.values()].some((x) => x.name === name), (id) => targets.has(id));
      if (taken !== null) return taken;
    }
    try {
      if (existingId === null) await store.createTarget(record, Date.now());
      else await store.updateTarget(existingId, record, Date.now());
    } catch (err) {
      // the daemon's own mapping, so the fixture's message is the real one ("name: …" named once)
      return storeRefusal(err, existingId ?? t.name);
    }
    targets.set(t.id, t);
    return { ok: true, target: view(t) };
  }

  const stats = (): DaemonStats => ({
    scheduler: { targets: targets.size, armed: targets.size, inFlight: counters.started - counters.completed, maxInFlight: 1024, startedTotal: counters.started, completedTotal: counters.completed, waiting: 0, waitedTotal: 0, drops: { skipped_in_flight: 0, dropped_global_cap: 0, missed_late: 0 } },
    pipeline: { queueDepth: 0, writtenTotal: counters.written, writeFailuresTotal: 0, dropped: { buffer_full: 0, flush_failed: 0 } },
    breakers: { closed: 1, open: 0, halfOpen: 0 },
    alerts: [{ webhook: 'ops', kind: 'webhook', deliveredTotal: 2, failedTotal: 1, retriesTotal: 3, lastError: 'HTTP 500' }],
    probe: { degraded: false, eventLoopDelayMs: 1.5, failingHosts: 0 },
  });

  return {
    store,
    maintenance,
    // no channels here: the alert routes are tested against a real `vigil serve` (test/alerts/alert-api.test.ts)
    alerts: createAlertDispatcher({ store, channels: [], log: quiet, owner: 'api-test' }),
    listTargets: () => [...targets.values()].map(view),
    getTarget: (id) => {
      const t = targets.get(id);
      return t === undefined ? undefined : view(t);
    },
    createTarget: (input) => save(input, null),
    async updateTarget(id, input) {
      if (!targets.has(id)) return { ok: false, code: 'not_found', errors: [] };
      return save(input, id);
    },
    async deleteTarget(id) {
      if (!targets.delete(id)) return { ok: false, code: 'not_found', errors: [] };
      await store.deleteTarget(id);
      return { ok: true, target: { id } as TargetView };
    },
    async testSpec(input): Promise<TestSpecOutcome> {
      const parsed = parseTargetInput(input, 'api', DEFAULTS);
      if (!parsed.ok) return { ok: false, code: 'invalid', errors: parsed.errors };
      return { ok: true, result: redactResult(await executeCheck(parsed.target.spec, clients), parsed.target.secretValues) };
    },
    checkNow: (id) => run(id, 'manual', 0),
    // heartbeat pushes are tested against the real daemon (test/daemon/heartbeat*.test.ts)
    push: async () => ({ ok: false, reason: 'unknown_token' }),
    rotatePushToken: async () => ({ ok: false, code: 'not_found', errors: [] }),
    async runScheduledCheck(id, lagMs) {
      const event = await run(id, 'schedule', lagMs);
      if (event === undefined) throw new Error(`no target ${id}`);
      return event;
    },
    stats,
    onResult(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    readiness: () => (isClosed ? { ready: false, reasons: ['shutting down'] } : { ready: true, reasons: [] }),
    definition: (id) => targets.get(id),
    async close() {
      isClosed = true;
      await clients.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
