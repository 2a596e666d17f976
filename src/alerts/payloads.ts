/**
 * Pure payload builders: the one human summary of an alert and its facts (every channel's
 * text derives from these two), the generic JSON body and a Slack-compatible {text, blocks}.
 */
import { ERROR_EXPLANATION } from '../domain/error-kind.js';
import { redactText } from '../domain/redact.js';
import { describeIncidentRegions, detailBesideRegions } from '../domain/region.js';
import type { AlertEvent } from './alert-event.js';

function formatMs(ms: number | null): string {
  if (ms === null) return 'unknown duration';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

/**
 * Which regions saw what (many nodes, docs/cluster.md), in words, for the alerts that carry
 * it; null for any other alert and for one node alone. Every channel shows this one line once:
 * as the Regions fact (field), or appended to the one-line text where that stands alone.
 */
export function regionSummaryOf(event: AlertEvent): string | null {
  if ((event.type !== 'incident_opened' && event.type !== 'incident_resolved' && event.type !== 'incident_reminder') || event.regions === null) return null;
  return describeIncidentRegions(event.regions);
}

/**
 * The detail as a human reads it (redacted): a quorum incident's detail starts with the
 * regions summary, shown on its own as the Regions fact, so here only what it says beside
 * that ("europe: status 500, expected 200"). The machine-readable `detail` keeps it whole.
 */
function humanDetailOf(event: AlertEvent & { type: 'incident_opened' | 'incident_reminder' }): string | null {
  const detail = detailBesideRegions(event.detail, event.regions);
  return detail === null ? null : redactText(detail);
}

/**
 * One line a human can read at the head of a notification that also shows the facts
 * (alertFacts): never the regions line, which is a fact of its own.
 */
export function summarizeAlert(event: AlertEvent): string {
  switch (event.type) {
    case 'incident_opened': {
      const why = event.errorKind === null ? 'failing' : `${event.errorKind}: ${ERROR_EXPLANATION[event.errorKind]}`;
      const detail = humanDetailOf(event);
      return `DOWN ${event.target.name} — ${why}${detail === null ? '' : ` (${detail})`}`;
    }
    case 'incident_resolved':
      if (event.reason === 'target_removed') return `CLOSED ${event.target.name} — target removed while down (after ${formatMs(event.durationMs)})`;
      return `RECOVERED ${event.target.name} after ${formatMs(event.durationMs)}`;
    case 'incident_reminder':
      return `STILL DOWN ${event.target.name} for ${formatMs(event.openForMs)}${event.errorKind === null ? '' : ` — ${event.errorKind}`} (reminder ${event.repeat})`;
    case 'cert_expiring':
      return `CERT EXPIRING ${event.target.name} — the certificate chain expires ${event.chainExpiresAt} (${event.daysLeft} d left), under the warning threshold of ${event.warnDays} d`;
    case 'cert_resolved':
      if (event.chainExpiresAt === null) return `CERT WARNING CLOSED ${event.target.name} — target removed (the warning was about the chain expiring ${event.warnedChainExpiresAt})`;
      return `CERT OK ${event.target.name} — the certificate chain now expires ${event.chainExpiresAt} (${event.daysLeft} d left); the warning about the chain expiring ${event.warnedChainExpiresAt} is closed`;
    case 'probe_degraded':
      return `PROBE DEGRADED — ${event.failingHosts} of ${event.checkedHosts} hosts failed with transport errors at once; per-target alerts are held back (event-loop delay ${Math.round(event.eventLoopDelayMs)} ms)`;
    case 'probe_recovered':
      return `PROBE RECOVERED after ${formatMs(event.degradedForMs)}; ${event.suppressedAlerts} per-target alerts were held back`;
    case 'test':
      return `TEST alert from Vigil for channel ${event.channel}: delivery works`;
  }
}

/**
 * The one-line text where it stands alone (the generic webhook's `text`, Slack's notification
 * fallback, a template's {{text}}, Opsgenie's close note): the summary, then the regions line.
 */
export function alertText(event: AlertEvent): string {
  const regions = regionSummaryOf(event);
  return `${summarizeAlert(event)}${regions === null ? '' : ` — ${regions}`}`;
}

/** Is this alert about trouble starting/going on, trouble ending, or neither (a test)? */
export function alertState(event: AlertEvent): 'trouble' | 'resolved' | 'test' {
  if (event.type === 'incident_resolved' || event.type === 'cert_resolved' || event.type === 'probe_recovered') return 'resolved';
  return event.type === 'test' ? 'test' : 'trouble';
}

/** Label/value facts under the summary, in display order: the same for every rich format. */
export function alertFacts(event: AlertEvent): Array<readonly [string, string]> {
  const facts: Array<readonly [string, string]> = [['Event', event.type], ['At', new Date(event.at).toISOString()]];
  if ('target' in event) {
    facts.push(['Target', `${event.target.name} (${event.target.id})`]);
    if (event.target.tags.length > 0) facts.push(['Tags', event.target.tags.join(', ')]);
  }
  if ((event.type === 'incident_opened' || event.type === 'incident_reminder') && event.errorKind !== null) facts.push(['Error', `${event.errorKind}: ${ERROR_EXPLANATION[event.errorKind]}`]);
  if (event.type === 'incident_opened' || event.type === 'incident_reminder') {
    const detail = humanDetailOf(event);
    if (detail !== null) facts.push(['Detail', detail]);
  }
  if (event.type === 'incident_resolved') facts.push(['Duration', formatMs(event.durationMs)]);
  const regions = regionSummaryOf(event);
  if (regions !== null) facts.push(['Regions', regions]);
  if (event.type === 'cert_expiring') facts.push(['Chain expires', event.chainExpiresAt], ['Days left', String(event.daysLeft)]);
  if (event.type === 'cert_resolved') {
    facts.push(['Warned chain expires', event.warnedChainExpiresAt]);
    if (event.chainExpiresAt !== null) facts.push(['Chain expires', event.chainExpiresAt], ['Days left', String(event.daysLeft)]);
  }
  if (event.type === 'probe_degraded' && event.sampleHosts.length > 0) facts.push(['Hosts', event.sampleHosts.join(', ')]);
  return facts;
}

/**
 * The generic webhook body (versioned so receivers can evolve). `deliveryId` is the same on
 * every attempt of one delivery and inside the signed bytes: a receiver drops repeats by it.
 */
export function genericPayload(event: AlertEvent, deliveryId: string): Record<string, unknown> {
  const detail = 'detail' in event && event.detail !== null ? { detail: redactText(event.detail) } : {};
  return { version: 1, deliveryId, ...event, ...detail, at: new Date(event.at).toISOString(), text: alertText(event) };
}

const EMOJI = { incident_opened: ':red_circle:', incident_reminder: ':red_circle:', incident_resolved: ':large_green_circle:', cert_expiring: ':hourglass_flowing_sand:', cert_resolved: ':white_check_mark:', probe_degraded: ':warning:', probe_recovered: ':white_check_mark:', test: ':test_tube:' } as const;

/** Slack incoming-webhook format: `text` is the fallback, `blocks` the rich layout. */
export function slackPayload(event: AlertEvent): { text: string; blocks: unknown[] } {
  const text = alertText(event);
  const fields: string[] = [`*Event:* ${event.type}`, `*At:* ${new Date(event.at).toISOString()}`];
  if ('target' in event && event.target.tags.length > 0) fields.push(`*Tags:* ${event.target.tags.join(', ')}`);
  if (event.type === 'probe_degraded' && event.sampleHosts.length > 0) fields.push(`*Hosts:* ${event.sampleHosts.join(', ')}`);
  const regions = regionSummaryOf(event);
  if (regions !== null) fields.push(`*Regions:* ${regions}`);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[event.type]} ${summarizeAlert(event)}` } },
      { type: 'context', elements: fields.map((f) => ({ type: 'mrkdwn', text: f })) },
    ],
  };
}
