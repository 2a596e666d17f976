import type { BucketUnit } from '../storage/store.js';
import { html, type SafeHtml } from './html-escape.js';
import { renderLatencyChart } from './latency-chart.js';
import { formatDuration, isoMinute, renderDocument, renderIncidentTable, renderRegionsBanner, renderUptimeFigures, showControls, stateLabel } from './page-shell.js';
import type { StatusModel, StatusTarget, TargetState } from './status-model.js';
import { renderUptimeBars } from './uptime-bars.js';

/** The overview page: every target's state, bars, uptime and latency; maintenance; recent incidents. */
export function renderStatusPage(model: StatusModel): string {
  const counts = countStates(model.targets);
  const body = html`${renderRegionsBanner(model.regionsWithoutLiveNode)}${renderMaintenanceBanner(model)}
${renderBarToggle(model.bucketUnit)}
<ul class="targets">${model.targets.map((t) => renderTarget(t, model))}</ul>
${model.targets.length === 0 ? html`<p class="empty">No targets configured.</p>` : null}
${model.hiddenTargets > 0 ? html`<p class="empty">${model.hiddenTargets} more targets are not shown (failing targets are listed first); see the API.</p>` : null}
${renderUpcomingMaintenance(model)}
<h2>Recent incidents</h2>
${renderIncidentTable(model.incidents, model.generatedAt, { linkTargets: true })}
<p class="more"><a href="/incidents">All incidents</a></p>`;
  return renderDocument({ title: model.title, summary: summaryText(counts, model.targets.length), body, generatedAt: model.generatedAt, refresh: true });
}

/** Plain links (no script): `?bars=hourly` switches the bars to the last 90 hours. */
export function renderBarToggle(unit: BucketUnit, basePath = '/', keep: Readonly<Record<string, string>> = {}): SafeHtml {
  const link = (target: BucketUnit, label: string): SafeHtml => {
    const query = new URLSearchParams({ ...keep, ...(target === 'hour' ? { bars: 'hourly' } : {}) }).toString();
    const href = query === '' ? basePath : `${basePath}?${query}`;
    return target === unit ? html`<span class="toggle-on" aria-current="true">${label}</span>` : html`<a href="${href}">${label}</a>`;
  };
  return html`<p class="toggle" data-bars="${unit}">Bars: ${link('day', 'last 90 days')} · ${link('hour', 'last 90 hours')}</p>`;
}

function renderTarget(t: StatusTarget, model: StatusModel): SafeHtml {
  const checked = lastCheckedText(t, model.generatedAt);
  const span = model.bucketUnit === 'hour' ? `${t.buckets.length} hours ago` : `${t.buckets.length} days ago`;
  return html`<li class="target" data-target-id="${t.id}" data-state="${t.state}">
<div class="target-head"><a class="target-name" href="/status/${encodeURIComponent(t.id)}">${t.name}</a>${t.inMaintenance ? html`<span class="state state-maintenance">maintenance</span>` : null}<span class="state state-${t.state}">${stateLabel(t.state)}</span></div>
<div class="meta">${kindText(t)} · ${checked}${t.tags.length > 0 ? ` · ${t.tags.join(', ')}` : ''}</div>
<div class="meta">${renderUptimeFigures(t.uptime)}</div>
${t.lastProblem === null ? null : html`<div class="meta problem">${showControls(t.lastProblem)}</div>`}
${renderProbeLoad(t)}
${renderUptimeBars(t.buckets, model.bucketUnit)}
<div class="bars-legend"><span>${span}</span><span>now</span></div>
${t.rhythm === null ? renderLatencyChart(t.latency, `Latency by phase for ${t.name}`) : null}
</li>`;
}

/** `HTTP`, or for a heartbeat `HEARTBEAT (push every 1d, grace 2h)`: it is pushed to, not checked. */
export function kindText(t: Pick<StatusTarget, 'kind' | 'rhythm'>): string {
  return t.rhythm === null ? t.kind.toUpperCase() : `${t.kind.toUpperCase()} (${t.rhythm})`;
}

/** `checked 5 s ago`; a heartbeat's results are its pings and its missed periods: `last report 5 s ago`. */
export function lastCheckedText(t: Pick<StatusTarget, 'lastCheckedAt' | 'rhythm'>, nowMs: number): string {
  const verb = t.rhythm === null ? 'checked' : 'last report';
  if (t.lastCheckedAt === null) return t.rhythm === null ? 'never checked' : 'no ping yet';
  return `${verb} ${formatDuration(nowMs - t.lastCheckedAt)} ago`;
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

