/**
 * Opsgenie Alert API (`POST {baseUrl}/v2/alerts`, `…/v2/alerts/{alias}/close?identifierType=alias`,
 * both answered 202, `Authorization: GenieKey <key>`). The alert's key is the Opsgenie alias:
 * a repeated create (a retry, a reminder) is deduplicated onto the open alert, and a recovery
 * closes exactly that one. A test creates a P5 alert and closes it.
 */
import type { ChannelConfigOf } from '../../config/channel-config.js';
import { alertKeyOf, type AlertEvent } from '../alert-event.js';
import { alertFacts, alertState, alertText, summarizeAlert } from '../payloads.js';
import type { ChannelSender, SendOutcome } from './channel-sender.js';
import { httpSend } from './http-post.js';

/** Opsgenie's limits on `message` and `description`. */
const MAX_MESSAGE_CHARS = 130;
const MAX_DESCRIPTION_CHARS = 15_000;

function opsgenieRequests(config: ChannelConfigOf<'opsgenie'>, event: AlertEvent): Array<{ path: string; body: Record<string, unknown> }> {
  const alias = alertKeyOf(event);
  const summary = summarizeAlert(event);
  // the close's note is all it shows: the one-line text with the regions line
  const close = { path: `/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`, body: { source: 'Vigil', note: alertText(event) } };
  if (alertState(event) === 'resolved') return [close];
  const facts = alertFacts(event);
  const create = {
    path: '/v2/alerts',
    body: {
      message: summary.slice(0, MAX_MESSAGE_CHARS),
      alias,
      description: [summary, ...facts.map(([k, v]) => `${k}: ${v}`)].join('\n').slice(0, MAX_DESCRIPTION_CHARS),
      tags: ['vigil', ...('target' in event ? event.target.tags : [])],
      details: Object.fromEntries(facts),
      ...('target' in event ? { entity: event.target.name } : {}),
      source: 'Vigil',
      priority: event.type === 'test' ? 'P5' : config.priority,
    },
  };
  return event.type === 'test' ? [create, close] : [create];
}

export function createOpsgenieSender(config: ChannelConfigOf<'opsgenie'>, userAgent: string): ChannelSender {
  const headers = { 'content-type': 'application/json', 'user-agent': userAgent, authorization: `GenieKey ${config.apiKey}` };
  return {
    name: config.name,
    kind: 'opsgenie',
    async send(event, signal) {
      let outcome: SendOutcome = { ok: true };
      for (const req of opsgenieRequests(config, event)) {
        outcome = await httpSend({ url: `${config.baseUrl}${req.path}`, headers, body: JSON.stringify(req.body), timeoutMs: config.timeoutMs, signal, secrets: config.secrets });
        if (!outcome.ok) return outcome;
      }
      return outcome;
    },
    close: () => undefined,
  };
}
