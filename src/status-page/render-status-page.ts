import { ERROR_EXPLANATION, isErrorKind } from '../domain/error-kind.js';
import { html, SafeHtml } from './html-escape.js';
import { formatMs, renderLatencyChart } from './latency-chart.js';
import { STATUS_PAGE_CSS } from './status-page-css.js';
import type { StatusIncident, StatusModel, StatusTarget, TargetState } from './status-model.js';
import { renderUptimeBars } from './uptime-bars.js';

/** The whole status page as one HTML document: inline CSS and SVG, no scripts, no external assets. */
export function renderStatusPage(model: StatusModel): string {
  const counts = countStates(model.targets);
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>${model.title}</title>
<style>${rawCss()}</style>
</head>
<body>
<header><h1>${model.title}</h1><span class="summary" id="summary">${summaryText(counts, model.targets.length)}</span></header>
<main>
${renderMaintenanceBanner(model)}
<ul class="targets">${model.targets.map((t) => renderTarget(t, model))}</ul>
${model.targets.length === 0 ? html`<p class="empty">No targets configured.</p>` : null}
${model.hiddenTargets > 0 ? html`<p class="empty">${model.hiddenTargets} more targets are not shown (failing targets are listed first); see the API.</p>` : null}
${renderUpcomingMaintenance(model)}
<h2>Recent incidents</h2>
${renderIncidents(model.incidents)}
</main>
<footer>Generated ${new Date(model.generatedAt).toISOString().replace('T', ' ').slice(0, 19)} UTC · refreshes every minute · uptime leaves out checks made during maintenance windows</footer>
</body>
</html>
`;
  return page.html;
}

function rawCss(): SafeHtml {
  // The stylesheet is a constant of ours, not user input; `</` cannot appear in it.
  return new SafeHtml(STATUS_PAGE_CSS);
}

function renderTarget(t: StatusTarget, model: StatusModel): SafeHtml {
  const uptime = t.uptime24hPct === null ? 'no data' : `${t.uptime24hPct.toFixed(2)} % (24 h)`;
  const checked = t.lastCheckedAt === null ? 'never checked' : `checked ${ago(model.generatedAt - t.lastCheckedAt)} ago`;
  const span = model.bucketUnit === 'hour' ? `${t.buckets.length} hours ago` : `${t.buckets.length} days ago`;
  return html`<li class="target" data-target-id="${t.id}" data-state="${t.state}">
<div class="target-head"><span class="target-name">${t.name}</span>${t.inMaintenance ? html`<span class="state state-maintenance">maintenance</span>` : null}<span class="state state-${t.state}">${stateLabel(t.state)}</span></div>
<div class="meta">${t.kind.toUpperCase()} · ${uptime} · ${checked}${t.tags.length > 0 ? ` · ${t.tags.join(', ')}` : ''}</div>
${t.lastProblem === null ? null : html`<div class="meta problem">${t.lastProblem}</div>`}
${renderProbeLoad(t)}
${renderUptimeBars(t.buckets, model.bucketUnit)}
<div class="bars-legend"><span>${span}</span><span>now</span></div>
${renderLatencyChart(t.latency, `Latency by phase for ${t.name}`)}
</li>`;
}

const PROBE_LOAD_TEXT = { scheduling_lag: 'the check started late', loop_delay: 'the probe\'s event loop was behind' } as const;

/** Results taken while the probe itself was saturated: their timings (and timeouts) may be the probe's. */
function renderProbeLoad(t: StatusTarget): SafeHtml | null {
  const lines: SafeHtml[] = [];
  if (t.lastProbeDegraded.length > 0) {
    lines.push(html`<div class="meta probe-degraded" data-probe-degraded="last">Last check taken while the probe was overloaded (${t.lastProbeDegraded.map((r) => PROBE_LOAD_TEXT[r]).join('; ')}): its timings include the probe's own delay.</div>`);
  }
  if (t.probeDegradedResults > 0) {
    lines.push(html`<div class="meta probe-degraded" data-probe-degraded="recent">${t.probeDegradedResults} of ${t.recentResults} checks in the last 6 h were taken while the probe was overloaded.</div>`);
  }
  return lines.length === 0 ? null : html`${lines}`;
}

function renderMaintenanceBanner(model: StatusModel): SafeHtml | null {
  if (model.maintenanceNow.length === 0) return null;
  const items = model.maintenanceNow.map((m) => html`<li><strong>${m.title}</strong> — ${m.scope}, until ${isoMinute(m.endMs)} UTC</li>`);
  return html`<section class="maintenance-banner" role="status"><h2>Maintenance in progress</h2><ul>${items}</ul><p>Checks keep running; failures during maintenance open no incident and do not count against uptime.</p></section>`;
}

function renderUpcomingMaintenance(model: StatusModel): SafeHtml | null {
  if (model.maintenanceUpcoming.length === 0) return null;
  const items = model.maintenanceUpcoming.map((m) => html`<li><strong>${m.title}</strong> — ${m.scope}: ${isoMinute(m.startMs)} to ${isoMinute(m.endMs)} UTC</li>`);
  return html`<h2>Upcoming maintenance</h2><ul class="maintenance-upcoming">${items}</ul>`;
}

function renderIncidents(incidents: readonly StatusIncident[]): SafeHtml {
  if (incidents.length === 0) return html`<p class="empty">No incidents.</p>`;
  const rows = incidents.map(
    (i) => html`<tr class="${i.endedAt === null ? 'open' : 'closed'}"><td>${i.targetName}</td><td>${isoMinute(i.startedAt)}</td><td>${i.endedAt === null ? 'ongoing' : formatDuration(i.endedAt - i.startedAt)}</td><td>${explain(i.errorKind)}${i.detail === null ? '' : ` — ${i.detail}`}${i.openedWhileProbeDegraded ? html` <span class="probe-degraded" data-probe-degraded="incident">(opened only by checks taken while the probe was overloaded: the probe may be the cause)</span>` : null}</td></tr>`,
  );
  return html`<table class="incidents"><thead><tr><th>Target</th><th>Started (UTC)</th><th>Duration</th><th>Cause</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function explain(kind: string | null): string {
  if (kind === null) return 'unknown';
  return isErrorKind(kind) ? `${kind}: ${ERROR_EXPLANATION[kind]}` : kind;
}

function countStates(targets: readonly StatusTarget[]): Record<TargetState, number> {
  const counts: Record<TargetState, number> = { up: 0, degraded: 0, down: 0, error: 0, unknown: 0, paused: 0 };
  for (const t of targets) counts[t.state] += 1;
  return counts;
}

function summaryText(c: Record<TargetState, number>, total: number): string {
  if (total === 0) return 'No targets';
  const failing = c.down + c.error;
  if (failing === 0 && c.degraded === 0) return `All ${total} targets operational`;
  return `${failing} down, ${c.degraded} degraded, ${c.up} up of ${total}`;
}

function stateLabel(state: TargetState): string {
  return state === 'unknown' ? 'pending' : state;
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
}

function ago(ms: number): string {
  return formatDuration(Math.max(0, ms));
}

function formatDuration(ms: number): string {
  if (ms < 1000) return formatMs(ms);
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} d`;
}
