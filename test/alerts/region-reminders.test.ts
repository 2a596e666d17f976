// Many regions (docs/alerts.md, "Repeat-notify"): a reminder of a quorum incident carries the
// same structured `regions` as its opened and resolved alerts, read from the incident's stored
// `regions` column — the quorum's last decision, with that decision's error kind and detail —
// through the real dispatcher and outbox on a real Postgres store (a schema of its own) and a
// real HTTP receiver. One node's incident (regions null) keeps what the opening said.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAlertDispatcher } from '../../src/alerts/alert-dispatcher.js';
import type { AlertEvent } from '../../src/alerts/alert-event.js';
import { createWebhookSender } from '../../src/alerts/webhook-sender.js';
import { createMemoryLogger } from '../../src/daemon/logger.js';
import { quorumIncidentDetail, type IncidentRegions } from '../../src/domain/region.js';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { schemaPool } from '../helpers/postgres.js';
import { waitFor } from '../daemon/helpers.js';
import { OPENED_DETAIL, OPENED_REGIONS, startProvider, TARGET } from './channel-helpers.js';

const schemas = schemaPool('vigil_region_reminders');

type Body = { type: string; target: { id: string }; repeat?: number; detail: string | null; errorKind: string | null; regions: unknown; text: string };

test('a quorum incident\'s reminders carry its stored regions (and that decision\'s detail); one node\'s carry its row\'s error and detail', { timeout: 60_000 }, async () => {
  const store = await openPostgresStore({ url: schemas.urlFor(schemas.next()) });
  const provider = await startProvider();
  const openedAt = Date.now() - 60_000;
  const hook = { name: 'loud', url: provider.url, format: 'generic', secret: 'hook-secret-0123456789', maxAttempts: 3, initialBackoffMs: 20, timeoutMs: 2_000, route: null, repeatEveryMs: 80 } as const;
  const targets = new Map([TARGET, { id: 'solo', name: 'Solo', tags: [] }].map((t) => [t.id, t]));
  const alerts = createAlertDispatcher({ store, channels: [{ ...hook, sender: createWebhookSender(hook) }], log: createMemoryLogger(), owner: 'node-a', pollMs: 100, targetOf: (id) => targets.get(id), reminderTickMs: 20 });
  const received = (type: string, id: string): Body[] => provider.requests.map((r) => JSON.parse(r.body) as Body).filter((b) => b.type === type && b.target.id === id);
  try {
    alerts.start();
    // the quorum opened it as america + europe down; a later decision (asia came back, up) is stored
    const incident = await store.openIncident({ targetId: TARGET.id, openedAt, errorKind: 'unexpected_status', detail: OPENED_DETAIL, failureCount: 4, regions: OPENED_REGIONS });
    alerts.send({ type: 'incident_opened', at: openedAt, target: TARGET, errorKind: 'unexpected_status', detail: OPENED_DETAIL, failureCount: 4, regions: OPENED_REGIONS });
    await waitFor(() => received('incident_reminder', TARGET.id).length >= 1, 20_000, 'a reminder');
    const later: IncidentRegions = { quorum: 'majority', required: 2, verdicts: { america: 'down', asia: 'up', europe: 'down' } };
    const laterDetail = quorumIncidentDetail(later, { region: 'america', detail: 'connect ECONNREFUSED 10.0.0.1:443' });
    await store.updateIncident(incident.id, { at: Date.now(), errorKind: 'connection_refused', detail: laterDetail, failuresAdded: 1, regions: later });
    await waitFor(() => received('incident_reminder', TARGET.id).some((b) => b.errorKind === 'connection_refused'), 20_000, 'a reminder after the later decision');

    const [first] = received('incident_reminder', TARGET.id);
    assert.deepEqual([first?.regions, first?.detail, first?.errorKind], [OPENED_REGIONS, OPENED_DETAIL, 'unexpected_status']);
    assert.equal(first?.text.split('down in america, europe; up in none; no live node: asia (quorum majority: 2 of 2 regions)').length, 2, first?.text);
    const last = received('incident_reminder', TARGET.id).find((b) => b.errorKind === 'connection_refused');
    assert.deepEqual(last?.regions, later);
    assert.equal(last?.detail, laterDetail);
    assert.match(last?.text ?? '', /^STILL DOWN API for \d+(s|m) — connection_refused \(reminder \d+\) — down in america, europe; up in asia \(quorum majority: 2 of 3 regions\)$/);

    // closed: no reminder after the resolution
    await store.closeIncident(incident.id, Date.now());
    alerts.send({ type: 'incident_resolved', at: Date.now(), target: TARGET, durationMs: Date.now() - openedAt, openedAt, reason: 'recovered', regions: later });
    await waitFor(() => received('incident_resolved', TARGET.id).length === 1, 20_000, 'the resolution');
    await new Promise((r) => setTimeout(r, 200));
    const settled = received('incident_reminder', TARGET.id).length;
    await new Promise((r) => setTimeout(r, 400)); // five periods
    assert.equal(received('incident_reminder', TARGET.id).length, settled, 'no reminder after the resolution');

    // one node alone: the stored incident has no regions; the reminder says what its row says (the opening's, not updated since)
    const solo = { id: 'solo', name: 'Solo', tags: [] };
    await store.openIncident({ targetId: solo.id, openedAt, errorKind: 'timeout', detail: 'no answer in 5000 ms', failureCount: 2 });
    const soloOpened: AlertEvent = { type: 'incident_opened', at: openedAt, target: solo, errorKind: 'timeout', detail: 'no answer in 5000 ms', failureCount: 2, regions: null };
    alerts.send(soloOpened);
    await waitFor(() => received('incident_reminder', solo.id).length >= 1, 20_000, 'a reminder of the solo incident');
    const [soloReminder] = received('incident_reminder', solo.id);
    assert.deepEqual([soloReminder?.regions, soloReminder?.detail, soloReminder?.errorKind], [null, 'no answer in 5000 ms', 'timeout']);
    assert.doesNotMatch(soloReminder?.text ?? '', /down in|quorum/);
  } finally {
    await alerts.close(2_000);
    await provider.close();
    await store.close();
  }
});
