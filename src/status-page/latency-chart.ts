import { html, type SafeHtml } from './html-escape.js';
import { PHASES, type LatencyPoint, type PhaseKey } from './status-model.js';

const CHART_WIDTH = 600;
const CHART_HEIGHT = 140;

const PHASE_STYLE: Readonly<Record<PhaseKey, { label: string; color: string }>> = {
  dnsMs: { label: 'DNS', color: '#8e6bd8' },
  connectMs: { label: 'Connect', color: '#2f8fd8' },
  tlsMs: { label: 'TLS', color: '#1fb3a6' },
  ttfbMs: { label: 'TTFB', color: '#e5a50a' },
  receiveMs: { label: 'Receive', color: '#e0603a' },
};

/**
 * A stacked-area chart of phase durations over time (oldest left). Phases are stacked in
 * request order, so the top edge is the sum of the phases. A phase that did not happen
 * contributes nothing. The SVG scales to its container (viewBox, width 100%).
 */
export function renderLatencyChart(points: readonly LatencyPoint[], label: string): SafeHtml {
  if (points.length === 0) {
    return html`<p class="empty">No latency data yet.</p>`;
  }
  const sorted = [...points].sort((a, b) => a.atMs - b.atMs);
  const stacks = sorted.map(stackOf);
  const maxMs = niceCeiling(Math.max(1, ...stacks.map((s) => s[s.length - 1] ?? 0)));
  const x = (i: number): number => (sorted.length === 1 ? CHART_WIDTH / 2 : (i / (sorted.length - 1)) * CHART_WIDTH);
  const y = (ms: number): number => CHART_HEIGHT - (ms / maxMs) * CHART_HEIGHT;
  const areas = PHASES.map((phase, p) => {
    const upper = stacks.map((s, i) => `${fmt(x(i))},${fmt(y(s[p + 1] ?? 0))}`);
    const lower = stacks.map((s, i) => `${fmt(x(i))},${fmt(y(s[p] ?? 0))}`).reverse();
    const d = sorted.length === 1 ? singleBar(x(0), y(stacks[0]?.[p] ?? 0), y(stacks[0]?.[p + 1] ?? 0)) : `M${upper.join('L')}L${lower.join('L')}Z`;
    return html`<path class="phase-${phase}" data-phase="${phase}" d="${d}" fill="${PHASE_STYLE[phase].color}" fill-opacity="0.85"/>`;
  });
  const grid = [0.25, 0.5, 0.75].map((f) => html`<line x1="0" x2="${CHART_WIDTH}" y1="${fmt(CHART_HEIGHT * f)}" y2="${fmt(CHART_HEIGHT * f)}" class="grid"/>`);
  return html`<figure class="chart">
<div class="chart-scale"><span>Latency by phase (stacked)</span><span>0–${formatMs(maxMs)}</span></div>
<svg class="latency-chart" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${label}">
${grid}${areas}
</svg>
<figcaption>${legend()}<span class="range">${rangeText(sorted[0]?.atMs ?? 0, sorted[sorted.length - 1]?.atMs ?? 0)} UTC</span></figcaption>
</figure>`;
}

/** "10:00–16:00" within a day, "06-01 10:00–06-08 10:00" across days. */
function rangeText(fromMs: number, toMs: number): string {
  const iso = (ms: number): string => new Date(ms).toISOString();
  if (toMs - fromMs <= 86_400_000) return `${iso(fromMs).slice(11, 16)}–${iso(toMs).slice(11, 16)}`;
  const day = (ms: number): string => `${iso(ms).slice(5, 10)} ${iso(ms).slice(11, 16)}`;
  return `${day(fromMs)} – ${day(toMs)}`;
}

/** Cumulative sums: [0, dns, dns+connect, …]; a null phase adds 0. */
function stackOf(point: LatencyPoint): number[] {
  const out = [0];
  let sum = 0;
  for (const phase of PHASES) {
    sum += point[phase] ?? 0;
    out.push(sum);
  }
  return out;
}

function singleBar(cx: number, yLow: number, yHigh: number): string {
  const half = 6;
  return `M${fmt(cx - half)},${fmt(yHigh)}L${fmt(cx + half)},${fmt(yHigh)}L${fmt(cx + half)},${fmt(yLow)}L${fmt(cx - half)},${fmt(yLow)}Z`;
}

function legend(): SafeHtml[] {
  return PHASES.map((p) => html`<span class="key"><i style="background:${PHASE_STYLE[p].color}"></i>${PHASE_STYLE[p].label}</span>`);
}

/** Rounds up to 1, 2 or 5 × 10^n so the scale label is readable. */
export function niceCeiling(value: number): number {
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * exp >= value) return step * exp;
  return 10 * exp;
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(ms >= 1 ? 1 : 2)} ms`;
}

function fmt(n: number): string {
  return n.toFixed(1);
}
