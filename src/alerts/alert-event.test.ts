import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertOfIncident } from './alert-event.js';
import type { IncidentEvent } from '../incidents/incident-events.js';

const target = { id: 'web', name: 'Web', tags: ['prod'] };

test('incident events become alerts in one place: opened and resolved page, updates do not', () => {
  const rows: Array<[IncidentEvent, unknown]> = [
    [
      { type: 'opened', targetId: 'web', at: 1_000, errorKind: 'timeout', detail: 'no headers', failureCount: 2, probeDegraded: false },
      { type: 'incident_opened', at: 1_000, target, errorKind: 'timeout', detail: 'no headers', failureCount: 2, regions: null },
    ],
    [
      { type: 'updated', targetId: 'web', at: 2_000, errorKind: 'connection_refused', detail: null, failuresAdded: 1 },
      null,
    ],
    [
      { type: 'resolved', targetId: 'web', at: 3_000, durationMs: 2_000, failuresAdded: 0, lastErrorKind: 'timeout', lastDetail: null, reason: 'recovered' },
      { type: 'incident_resolved', at: 3_000, target, durationMs: 2_000, openedAt: 1_000, reason: 'recovered', regions: null },
    ],
    [
      { type: 'resolved', targetId: 'web', at: 4_000, durationMs: 3_000, failuresAdded: 0, lastErrorKind: 'timeout', lastDetail: 'target removed', reason: 'target_removed' },
      { type: 'incident_resolved', at: 4_000, target, durationMs: 3_000, openedAt: 1_000, reason: 'target_removed', regions: null },
    ],
    [
      // many regions: the quorum's view travels with the opened and the resolved alert
      { type: 'resolved', targetId: 'web', at: 5_000, durationMs: 1_000, failuresAdded: 0, lastErrorKind: null, lastDetail: null, reason: 'recovered', regions: { quorum: 'any', required: 1, verdicts: { eu: 'up' } } },
      { type: 'incident_resolved', at: 5_000, target, durationMs: 1_000, openedAt: 4_000, reason: 'recovered', regions: { quorum: 'any', required: 1, verdicts: { eu: 'up' } } },
    ],
  ];
  for (const [event, alert] of rows) assert.deepEqual(alertOfIncident(target, event), alert, event.type);
});
