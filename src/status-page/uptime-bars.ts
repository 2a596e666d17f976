import { html, type SafeHtml } from './html-escape.js';
import type { UptimeBucket } from './status-model.js';

const BAR_WIDTH = 6;
const BAR_GAP = 2;
const BAR_HEIGHT = 28;

/** Bar colour by uptime: no data, perfect, minor loss, major loss. */
export function bucketClass(bucket: UptimeBucket): 'none' | 'ok' | 'warn' | 'bad' {
  if (bucket.upPct === null) return 'none';
  if (bucket.upPct >= 99.9) return 'ok';
  if (bucket.upPct >= 95) return 'warn';
  return 'bad';
}

/** One bar per bucket, oldest left; each bar carries a tooltip with its time and uptime. */
export function renderUptimeBars(buckets: readonly UptimeBucket[], unit: 'hour' | 'day'): SafeHtml {
  const width = buckets.length * (BAR_WIDTH + BAR_GAP) - BAR_GAP;
  const bars = buckets.map((b, i) => {
    const when = new Date(b.startMs).toISOString().slice(0, unit === 'hour' ? 13 : 10).replace('T', ' ');
    const what = b.upPct === null ? 'no data' : `${b.upPct.toFixed(2)} % up (${b.checks} checks)`;
    return html`<rect class="bar ${bucketClass(b)}" x="${i * (BAR_WIDTH + BAR_GAP)}" y="0" width="${BAR_WIDTH}" height="${BAR_HEIGHT}" rx="1.5"><title>${when}${unit === 'hour' ? ':00' : ''} UTC: ${what}</title></rect>`;
  });
  return html`<svg class="uptime-bars" viewBox="0 0 ${width} ${BAR_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="Uptime, last ${buckets.length} ${unit}s">${bars}</svg>`;
}
