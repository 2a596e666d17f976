/**
 * The templated webhook's body: a logic-less Mustache template over a flat view of the alert.
 * Compiled once when the config loads — syntax, partials (refused: there is nowhere to load
 * them from) and every name it uses are checked there, and a JSON template is rendered once
 * over a sample alert and must parse — so a bad template is a config error naming the field,
 * never a stream of failed deliveries. Values are escaped for the content type: JSON string
 * escaping for JSON bodies (`"{{detail}}"` stays valid JSON whatever the detail holds), none
 * otherwise. Each template has its own Writer: Mustache's global cache is module state.
 *
 * A template that names the regions (`{{regions}}` or `{{#regionVerdicts}}`) shows them
 * there, so its `{{detail}}` and `{{text}}` leave the regions line out (docs/alerts.md): the
 * line appears once, as in every other channel. A template that does not name them gets
 * `detail` whole and `text` with the line at its end.
 */
import Mustache from 'mustache';
import { ERROR_FAMILY } from '../domain/error-kind.js';
import { redactText } from '../domain/redact.js';
import { alertKeyOf, type AlertEvent } from './alert-event.js';
import { detailBesideRegions } from '../domain/region.js';
import { alertState, alertText, regionSummaryOf, summarizeAlert } from './payloads.js';

/** Every name a template may use. Sections over `target.tags` iterate it with `{{.}}`. */
const VIEW_NAMES = [
  'type', 'state', 'at', 'atMs', 'text', 'key', 'isTrouble', 'isResolved', 'isTest',
  'target', 'target.id', 'target.name', 'target.tags',
  'errorKind', 'errorFamily', 'detail', 'failureCount', 'durationMs', 'openForMs', 'repeat', 'reason', 'openedAt', 'channel', 'chainExpiresAt', 'daysLeft', 'warnedChainExpiresAt',
  'regions', 'regionVerdicts', 'region', 'verdict',
] as const;

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export interface AlertTemplate {
  render(event: AlertEvent): string;
}

function jsonEscape(value: unknown): string {
  return JSON.stringify(String(value)).slice(1, -1);
}

/**
 * The view a template sees: flat, plain, every detail redacted. Absent facts are null.
 * `regionsShown`: the template names the regions itself (no regions line in detail and text).
 */
function templateViewOf(event: AlertEvent, regionsShown: boolean): Record<string, unknown> {
  const state = alertState(event);
  const e = event as Partial<Record<string, unknown>> & AlertEvent;
  const errorKind = 'errorKind' in event ? event.errorKind : null;
  const regions = 'regions' in event ? event.regions : null;
  const detail = 'detail' in event ? (regionsShown ? detailBesideRegions(event.detail, regions) : event.detail) : null;
  return {
    type: event.type,
    state,
    at: new Date(event.at).toISOString(),
    atMs: event.at,
    text: regionsShown ? summarizeAlert(event) : alertText(event),
    key: alertKeyOf(event),
    isTrouble: state === 'trouble',
    isResolved: state === 'resolved',
    isTest: state === 'test',
    target: 'target' in event ? { id: event.target.id, name: event.target.name, tags: [...event.target.tags] } : null,
    errorKind,
    errorFamily: errorKind === null ? null : ERROR_FAMILY[errorKind],
    detail: detail === null ? null : redactText(detail),
    failureCount: e.failureCount ?? null,
    durationMs: e.durationMs ?? null,
    openForMs: e.openForMs ?? null,
    repeat: e.repeat ?? null,
    reason: e.reason ?? null,
    openedAt: typeof e.openedAt === 'number' ? new Date(e.openedAt).toISOString() : null,
    channel: e.channel ?? null,
    chainExpiresAt: e.chainExpiresAt ?? null,
    daysLeft: e.daysLeft ?? null,
    warnedChainExpiresAt: e.warnedChainExpiresAt ?? null,
    // many regions: the one summary line, and the verdicts to iterate ({{#regionVerdicts}}{{region}}: {{verdict}}{{/regionVerdicts}})
    regions: regionSummaryOf(event),
    regionVerdicts: (event.type === 'incident_opened' || event.type === 'incident_resolved' || event.type === 'incident_reminder') && event.regions !== null ? Object.entries(event.regions.verdicts).map(([region, verdict]) => ({ region, verdict })) : [],
  };
}

const SAMPLE: AlertEvent = {
  type: 'incident_opened',
  at: 0,
  target: { id: 'sample', name: 'Sample "target"\n', tags: ['a', 'b'] },
  errorKind: 'timeout',
  detail: 'a detail with "quotes", \\ and a newline\n',
  failureCount: 2,
  regions: { quorum: 'majority', required: 2, verdicts: { america: 'down', asia: 'no_live_node', europe: 'down' } },
};

type Spans = ReturnType<typeof Mustache.parse>;

/** Checks every name; returns those used. */
function checkNames(spans: Spans, used = new Set<string>()): Set<string> {
  const known = new Set<string>(VIEW_NAMES);
  for (const span of spans) {
    const [kind, name, start] = span;
    if (kind === '>') throw new TemplateError(`partials ({{> ${name}}}) are not supported (at ${start})`);
    if ((kind === 'name' || kind === '&' || kind === '#' || kind === '^') && name !== '.' && !known.has(name)) {
      throw new TemplateError(`unknown name "${name}" at ${start}; known: ${VIEW_NAMES.join(', ')}`);
    }
    if (kind === 'name' || kind === '&' || kind === '#' || kind === '^') used.add(name);
    const children = span[4];
    if (Array.isArray(children)) checkNames(children as Spans, used);
  }
  return used;
}

/** Throws TemplateError (syntax with position, unknown name, partial, JSON that does not parse). */
export function compileAlertTemplate(text: string, contentType: string): AlertTemplate {
  const writer = new Mustache.Writer();
  let spans: Spans;
  try {
    spans = writer.parse(text);
  } catch (err) {
    throw new TemplateError(err instanceof Error ? err.message : String(err));
  }
  const used = checkNames(spans);
  const regionsShown = used.has('regions') || used.has('regionVerdicts');
  const isJson = /^application\/([a-z0-9.+-]*\+)?json\b/i.test(contentType);
  const options = { escape: isJson ? jsonEscape : String };
  const template: AlertTemplate = { render: (event) => writer.render(text, templateViewOf(event, regionsShown), undefined, options) };
  if (isJson) {
    try {
      JSON.parse(template.render(SAMPLE));
    } catch (err) {
      throw new TemplateError(`the content type is JSON but the rendered body is not (${err instanceof Error ? err.message : String(err)}); values are JSON-escaped, so put them inside quotes: "{{detail}}"`);
    }
  }
  return template;
}
