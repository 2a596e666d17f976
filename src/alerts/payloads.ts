/** Pure payload builders: the generic JSON body and a Slack-compatible {text, blocks}. */
import { ERROR_EXPLANATION } from '../domain/error-kind.js';
import { redactText } from '../domain/redact.js';
import type { AlertEvent } from './alert-event.js';

function formatMs(ms: number | null): string {
  if (ms === null) return 'unknown duration';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

/** One line a human can read in a notification list. */
function summarizeAlert(event: AlertEvent): string {
  switch (event.type) {
    case 'incident_opened': {
      const why = event.errorKind === null ? 'failing' : `${event.errorKind}: ${ERROR_EXPLANATION[event.errorKind]}`;
      return `DOWN ${event.target.name} — ${why}${event.detail === null ? '' : ` (${redactText(event.detail)})`}`;
    }
    case 'incident_resolved':
      if (event.reason === 'target_removed') return `CLOSED ${event.target.name} — target removed while down (after ${formatMs(event.durationMs)})`;
      return `RECOVERED ${event.target.name} after ${formatMs(event.durationMs)}`;
    case 'cert_expiring':
      return `CERT EXPIRING ${event.target.name} — the certificate chain expires ${event.chainExpiresAt} (${event.daysLeft} d left), under the warning threshold of ${event.warnDays} d`;
    case 'probe_degraded':
      return `PROBE DEGRADED — ${event.failingHosts} of ${event.checkedHosts} hosts failed with transport errors at once; per-target alerts are held back (event-loop delay ${Math.round(event.eventLoopDelayMs)} ms)`;
    case 'probe_recovered':
      return `PROBE RECOVERED after ${formatMs(event.degradedForMs)}; ${event.suppressedAlerts} per-target alerts were held back`;
  }
}

/**
 * The generic webhook body (versioned so receivers can evolve). `deliveryId` is the same on
 * every attempt of one delivery and inside the signed bytes: a receiver drops repeats by it.
 */
export function genericPayload(event: AlertEvent, deliveryId: string): Record<string, unknown> {
  const detail = 'detail' in event && event.detail !== null ? { detail: redactText(event.detail) } : {};
  return { version: 1, deliveryId, ...event, ...detail, at: new Date(event.at).toISOString(), text: summarizeAlert(event) };
}

const EMOJI = { incident_opened: ':red_circle:', incident_resolved: ':large_green_circle:', cert_expiring: ':hourglass_flowing_sand:', probe_degraded: ':warning:', probe_recovered: ':white_check_mark:' } as const;

/** Slack incoming-webhook format: `text` is the fallback, `blocks` the rich layout. */
export function slackPayload(event: AlertEvent): { text: string; blocks: unknown[] } {
  const text = summarizeAlert(event);
  const fields: string[] = [`*Event:* ${event.type}`, `*At:* ${new Date(event.at).toISOString()}`];
  if ('target' in event && event.target.tags.length > 0) fields.push(`*Tags:* ${event.target.tags.join(', ')}`);
  if (event.type === 'probe_degraded' && event.sampleHosts.length > 0) fields.push(`*Hosts:* ${event.sampleHosts.join(', ')}`);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[event.type]} ${text}` } },
      { type: 'context', elements: fields.map((f) => ({ type: 'mrkdwn', text: f })) },
    ],
  };
}
