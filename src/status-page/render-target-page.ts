import { html, type SafeHtml } from './html-escape.js';
import { renderLatencyChart } from './latency-chart.js';
import { isoMinute, renderDocument, renderIncidentTable, renderRegionsBanner, renderUptimeFigures, showControls, stateLabel } from './page-shell.js';
import { kindText, lastCheckedText, renderBarToggle } from './render-status-page.js';
import { CHART_WINDOWS, DEFAULT_CHART_WINDOW, type CertificateView, type ChartWindow, type TargetPageModel } from './build-target-model.js';
import { renderUptimeBars } from './uptime-bars.js';

/** One target's page: state, uptime, bars, latency over a chosen window, certificate, incidents. */
export function renderTargetPage(m: TargetPageModel): string {
  const base = `/status/${encodeURIComponent(m.id)}`;
  const checked = lastCheckedText(m, m.generatedAt);
  const barQuery: Record<string, string> = m.chartWindow === DEFAULT_CHART_WINDOW ? {} : { window: m.chartWindow };
  const body = html`${renderRegionsBanner(m.regionsWithoutLiveNode)}<section class="target target-page" data-target-id="${m.id}" data-state="${m.state}">
<div class="target-head"><span class="current">Now</span>${m.inMaintenance ? html`<span class="state state-maintenance">maintenance</span>` : null}<span class="state state-${m.state}">${stateLabel(m.state)}</span></div>
<div class="meta">${kindText(m)} · ${checked}${m.tags.length > 0 ? ` · ${m.tags.join(', ')}` : ''}</div>
${m.lastProblem === null ? null : html`<div class="meta problem">${showControls(m.lastProblem)}</div>`}
<div class="meta">Uptime ${renderUptimeFigures(m.uptime)}</div>
${renderCertificate(m.certificate)}
${renderBarToggle(m.bucketUnit, base, barQuery)}
${renderUptimeBars(m.buckets, m.bucketUnit)}
<div class="bars-legend"><span>${m.buckets.length} ${m.bucketUnit === 'hour' ? 'hours' : 'days'} ago</span><span>now</span></div>
</section>
${m.rhythm === null ? renderLatency(base, m) : null}
${renderUpcoming(m)}
<h2>Incidents</h2>
${renderIncidentTable(m.incidents, m.generatedAt, { linkTargets: false })}
<p class="more"><a href="/incidents">All incidents</a></p>`;
  return renderDocument({ title: m.name, body, generatedAt: m.generatedAt, refresh: true });
}

function renderLatency(base: string, m: TargetPageModel): SafeHtml {
  return html`<h2>Latency by phase</h2>
${renderWindowLinks(base, m)}
<div class="target chart-card">${renderLatencyChart(m.chart, `Latency by phase for ${m.name}, last ${m.chartWindow}`)}
<p class="meta">${m.chartSource === 'results' ? 'Each point is one check (evenly sampled).' : `Each point is the mean of ${m.chartGroupHours} h of checks, per phase over the checks that reached it.`}</p></div>`;
}

function renderWindowLinks(base: string, m: TargetPageModel): SafeHtml {
  const links = (Object.keys(CHART_WINDOWS) as ChartWindow[]).map((w) => {
    const query = new URLSearchParams({ ...(w === DEFAULT_CHART_WINDOW ? {} : { window: w }), ...(m.bucketUnit === 'hour' ? { bars: 'hourly' } : {}) }).toString();
    return w === m.chartWindow ? html`<span class="toggle-on" aria-current="true">${w}</span>` : html`<a href="${query === '' ? base : `${base}?${query}`}">${w}</a>`;
  });
  return html`<p class="toggle" data-window="${m.chartWindow}">Window: ${links.map((l, i) => (i === 0 ? l : html` · ${l}`))}</p>`;
}

function renderCertificate(cert: CertificateView | null): SafeHtml | null {
  if (cert === null) return null;
  const left = cert.daysLeft < 0 ? `expired ${-cert.daysLeft} days ago` : `${cert.daysLeft} days left`;
  return html`<div class="meta certificate${cert.isExpiringSoon ? ' problem' : ''}" data-days-left="${cert.daysLeft}">Certificate (earliest expiry in the chain): ${isoMinute(Date.parse(cert.expiresAt))} UTC, ${left} · seen ${isoMinute(cert.seenAt)} UTC</div>`;
}

function renderUpcoming(m: TargetPageModel): SafeHtml | null {
  if (m.maintenanceUpcoming.length === 0) return null;
  const items = m.maintenanceUpcoming.map((w) => html`<li><strong>${w.title}</strong>: ${isoMinute(w.startMs)} to ${isoMinute(w.endMs)} UTC</li>`);
  return html`<h2>Upcoming maintenance</h2><ul class="maintenance-upcoming">${items}</ul>`;
}
