/**
 * PagerDuty Events API v2 (`POST {baseUrl}/v2/enqueue`, answered 202). Trouble triggers,
 * recovery resolves, both under the alert's key as `dedup_key`, so a resolve closes exactly
 * the incident its trigger opened and a retried trigger (or a reminder) updates it instead of
 * paging twice. A test triggers at severity `info` and resolves at once: it proves the routing
 * key without leaving an open incident behind.
 */
import type { ChannelConfigOf } from '../../config/channel-config.js';
import { alertKeyOf, type AlertEvent } from '../alert-event.js';
import { alertFacts, alertState, summarizeAlert } from '../payloads.js';
import type { ChannelSender, SendOutcome } from './channel-sender.js';
import { httpSend } from './http-post.js';

/** PagerDuty's limit on `payload.summary`. */
const MAX_SUMMARY_CHARS = 1024;

function pagerDutyBodies(config: ChannelConfigOf<'pagerduty'>, event: AlertEvent): Array<Record<string, unknown>> {
  const dedupKey = alertKeyOf(event);
  const resolve = { routing_key: config.routingKey, event_action: 'resolve', dedup_key: dedupKey };
  if (alertState(event) === 'resolved') return [resolve];
  const severity = event.type === 'test' ? 'info' : event.type === 'probe_degraded' || event.type === 'cert_expiring' ? 'warning' : config.severity;
  const trigger = {
    routing_key: config.routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: 'Vigil',
    payload: {
      summary: summarizeAlert(event).slice(0, MAX_SUMMARY_CHARS),
      source: config.source,
      severity,
      timestamp: new Date(event.at).toISOString(),
      ...('target' in event ? { component: event.target.id, group: event.target.tags[0] ?? event.target.id } : {}),
      class: event.type === 'incident_opened' || event.type === 'incident_reminder' ? (event.errorKind ?? 'failing') : event.type,
      custom_details: Object.fromEntries(alertFacts(event)),
    },
  };
  return event.type === 'test' ? [trigger, resolve] : [trigger];
}

export function createPagerDutySender(config: ChannelConfigOf<'pagerduty'>, userAgent: string): ChannelSender {
  const url = `${config.baseUrl}/v2/enqueue`;
  return {
    name: config.name,
    kind: 'pagerduty',
    async send(event, signal) {
      let outcome: SendOutcome = { ok: true };
      for (const body of pagerDutyBodies(config, event)) {
        outcome = await httpSend({ url, headers: { 'content-type': 'application/json', 'user-agent': userAgent }, body: JSON.stringify(body), timeoutMs: config.timeoutMs, signal, secrets: config.secrets });
        if (!outcome.ok) return outcome;
      }
      return outcome;
    },
    close: () => undefined,
  };
}
