import { ERROR_EXPLANATION, isErrorKind } from '../domain/error-kind.js';
import { describeIncidentRegions, regionsWith, type IncidentRegions } from '../domain/region.js';
import { html, SafeHtml } from './html-escape.js';
import { formatMs } from './latency-chart.js';
import { STATUS_PAGE_CSS } from './status-page-css.js';
import { PAGE_UPTIME_WINDOWS, type StatusIncident, type TargetState, type UptimeFigures } from './status-model.js';

interface PageParts {
  /** the document title and the h1 */
  readonly title: string;
  /** text beside the h1 (the overall summary) */
  readonly summary?: SafeHtml | string | null;
  readonly body: SafeHtml;
  readonly generatedAt: number;
  /** refresh the page every minute (the overview and a target page; not a paged history) */
  readonly refresh: boolean;
}

/** One HTML document: inline CSS and SVG, no scripts, no external assets, the same header on every page. */
export function renderDocument(parts: PageParts): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${parts.refresh ? html`<meta http-equiv="refresh" content="60">` : null}
<title>${parts.title}</title>
<style>${new SafeHtml(STATUS_PAGE_CSS)}</style>
</head>
<body>
<nav class="site"><a href="/">Status</a><a href="/incidents">Incident history</a></nav>
<header><h1>${parts.title}</h1>${parts.summary === undefined || parts.summary === null ? null : html`<span class="summary" id="summary">${parts.summary}</span>`}</header>
<main>
${parts.body}
</main>
<footer>Generated ${isoMinute(parts.generatedAt)} UTC${parts.refresh ? ' · refreshes every minute' : ''} · uptime leaves out checks made during maintenance windows</footer>
</body>
</html>
`;
  // The stylesheet is a constant of ours, not user input; `</` cannot appear in it.
  return page.html;
}

/** A page for a status code (404 unknown target, 400 bad parameter): same look, the reason in words. */
export function renderErrorPage(status: number, message: string, nowMs: number): string {
  return renderDocument({ title: status === 404 ? 'Not found' : status === 503 ? 'Unavailable' : 'Bad request', body: html`<p class="error-text">${message}</p><p><a href="/">Back to the status page</a></p>`, generatedAt: nowMs, refresh: false });
}

/** "24 h 99.95 % · 7 d 99.90 % · …", each window in its own element. */
export function renderUptimeFigures(uptime: UptimeFigures): SafeHtml {
  const items = PAGE_UPTIME_WINDOWS.map((w) => {
    const pct = uptime[w];
    return html`<span class="uptime-figure" data-window="${w}"><span class="uptime-window">${w.replace(/(\d+)/, '$1 ')}</span> <b>${pct === null ? '—' : `${formatPct(pct)} %`}</b></span>`;
  });
  return html`<span class="uptime-figures" title="Uptime; checks during maintenance windows are left out">${items}</span>`;
}

/** Two decimals, but never rounds a loss up to 100.00. */
export function formatPct(pct: number): string {
  if (pct < 100 && pct > 99.99) return '99.99';
  return pct.toFixed(2);
}

export function stateLabel(state: TargetState): string {
  return state === 'unknown' ? 'pending' : state;
}

export function isoMinute(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return formatMs(Math.max(0, ms));
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} d`;
}

/** bidi controls and other invisible format characters that could reorder or hide text */
const INVISIBLE_CONTROLS = /[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Text from a remote server (a failure's detail) with its invisible controls shown as
 * `[U+202E]`: an override in a detail must not turn "gnp.exe" into "exe.png" on the page.
 */
export function showControls(text: string): string {
  return text.replace(INVISIBLE_CONTROLS, (c) => `[U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

/** The error kind and its explanation, e.g. "connection_refused: The host answered but …". */
function explainKind(kind: string | null): string {
  if (kind === null) return 'unknown';
  return isErrorKind(kind) ? `${kind}: ${ERROR_EXPLANATION[kind]}` : kind;
}

/**
 * Incidents as a table (target, start, duration, cause, regions when any incident has
 * them). `nowMs` gives an ongoing incident its duration so far. The Regions cell is the
 * incident's stored `regions` (which regions saw what when it was last decided), in the one
 * summary every alert uses; an incident without them (one node's, or stored before regions
 * were) shows a dash.
 */
export function renderIncidentTable(incidents: readonly StatusIncident[], nowMs: number, options: { linkTargets: boolean }): SafeHtml {
  if (incidents.length === 0) return html`<p class="empty">No incidents.</p>`;
  const hasRegions = incidents.some((i) => i.regions !== null);
  const rows = incidents.map((i) => {
    const target = options.linkTargets && i.hasTargetPage ? html`<a href="/status/${encodeURIComponent(i.targetId)}">${i.targetName}</a>` : html`${i.targetName}`;
    const duration = i.endedAt === null ? `ongoing, ${formatDuration(nowMs - i.startedAt)}` : formatDuration(i.endedAt - i.startedAt);
    const probe = i.openedWhileProbeDegraded ? html` <span class="probe-degraded" data-probe-degraded="incident">(opened only by checks taken while the probe was overloaded: the probe may be the cause)</span>` : null;
    return html`<tr class="${i.endedAt === null ? 'open' : 'closed'}" data-incident-id="${i.id}"><td>${target}</td><td>${isoMinute(i.startedAt)}</td><td>${duration}</td><td>${explainKind(i.errorKind)}${i.detail === null ? '' : ` — ${showControls(i.detail)}`}${probe}</td>${hasRegions ? renderRegionsCell(i.regions) : null}</tr>`;
  });
  return html`<table class="incidents"><thead><tr><th>Target</th><th>Started (UTC)</th><th>Duration</th><th>Cause</th>${hasRegions ? html`<th>Regions</th>` : null}</tr></thead><tbody>${rows}</tbody></table>`;
}

function renderRegionsCell(regions: IncidentRegions | null): SafeHtml {
  if (regions === null) return html`<td class="regions" title="not recorded: an incident of one node, or stored before incidents kept their regions">—</td>`;
  return html`<td class="regions" data-regions-down="${regionsWith(regions, 'down').join(',')}">${describeIncidentRegions(regions)}</td>`;
}

/**
 * Many nodes (docs/cluster.md): regions with no live node are not checked from, so their
 * targets are neither up nor down there; the page says so rather than count them either way.
 */
export function renderRegionsBanner(regions: readonly string[]): SafeHtml | null {
  if (regions.length === 0) return null;
  return html`<section class="regions-banner" role="status" data-regions-without-live-node="${regions.join(',')}"><h2>${regions.length === 1 ? 'A region has' : `${regions.length} regions have`} no live node</h2><p>Not checked from ${regions.join(', ')} right now: results and incidents there are neither up nor down until a node in ${regions.length === 1 ? 'that region' : 'those regions'} is back; the other regions keep checking.</p></section>`;
}
