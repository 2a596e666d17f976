/** Shared by the channel tests: a provider stand-in on 127.0.0.1 and configs parsed as a file would be. */
import { reply, startHttpServer } from '../helpers/servers/http-server.js';
import type { RecordedRequest, TestServer } from '../helpers/servers/test-server.js';
import { parseChannels, type ChannelConfig } from '../../src/config/channel-config.js';
import type { AlertEvent } from '../../src/alerts/alert-event.js';

export interface Answer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/**
 * Answers the scripted statuses in order, then 200 for every further request; or, given a
 * function, answers each request by what it carries (when the order of requests is a race).
 */
export function startProvider(answers: readonly Answer[] | ((request: RecordedRequest) => Answer) = []): Promise<TestServer> {
  let n = 0;
  return startHttpServer((_req, res, request) => {
    const a = typeof answers === 'function' ? answers(request) : (answers[n++] ?? { status: 200 });
    reply(res, a.status, a.body ?? '', a.headers ?? {});
  });
}

class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** One `alerts.channels` entry through the real parser (references resolved from `env`). */
export function channelConfig(input: Record<string, unknown>, env: Record<string, string> = {}): ChannelConfig {
  const [config] = parseChannels([input as never], { env }, new Set(), (field, message) => new ConfigError(`alerts.channels${field}`, message));
  if (config === undefined) throw new Error('no channel');
  return config;
}

export const TARGET = { id: 'api', name: 'API', tags: ['prod', 'eu'] };
export const OPENED: AlertEvent = { type: 'incident_opened', at: 1_700_000_000_000, target: TARGET, errorKind: 'connection_refused', detail: 'connect ECONNREFUSED 10.0.0.1:443', failureCount: 2, regions: null };
export const RESOLVED: AlertEvent = { type: 'incident_resolved', at: 1_700_000_090_000, target: TARGET, durationMs: 90_000, openedAt: 1_700_000_000_000, reason: 'recovered', regions: null };
/** many regions (docs/cluster.md): the close of a quorum incident, saying which regions saw what then */
export const RESOLVED_REGIONAL: AlertEvent = { ...(RESOLVED as AlertEvent & { type: 'incident_resolved' }), regions: { quorum: 'majority', required: 2, verdicts: { america: 'down', asia: 'no_live_node', europe: 'up' } } };
export const REGION_LINE = 'down in america; up in europe; no live node: asia (quorum majority: 2 of 2 regions)';
export const TEST_EVENT: AlertEvent = { type: 'test', at: 1_700_000_000_000, channel: 'pd' };

export const never = (): AbortSignal => new AbortController().signal;
export const ATTEMPT = { id: 'delivery-1', attempt: 1 } as const;

/** many regions: the opening of a quorum incident — its detail starts with the regions line (stored so) */
export const OPENED_REGIONS = { quorum: 'majority', required: 2, verdicts: { america: 'down', asia: 'no_live_node', europe: 'down' } } as const;
export const OPENED_REGION_LINE = 'down in america, europe; up in none; no live node: asia (quorum majority: 2 of 2 regions)';
export const OPENED_DETAIL = `${OPENED_REGION_LINE} — europe: status 500, expected 200`;
export const OPENED_REGIONAL: AlertEvent = { type: 'incident_opened', at: 1_700_000_000_000, target: TARGET, errorKind: 'unexpected_status', detail: OPENED_DETAIL, failureCount: 4, regions: OPENED_REGIONS };
/** its second reminder, as the dispatcher builds it from the stored incident */
export const REMINDER_REGIONAL: AlertEvent = {
  type: 'incident_reminder', at: 1_700_000_600_000, target: TARGET, openedAt: 1_700_000_000_000, errorKind: 'unexpected_status', detail: OPENED_DETAIL, openForMs: 600_000, repeat: 2, regions: OPENED_REGIONS,
};
