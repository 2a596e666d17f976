import type { BucketUnit } from '../storage/store.js';
import { html, type SafeHtml } from './html-escape.js';
import type { UptimeBucket } from './status-model.js';

const BAR_WIDTH = 6;
const BAR_GAP = 2;
const BAR_HEIGHT = 28;

/** Bar colour by uptime: no data, maintenance only, perfect, minor loss, major loss. */
export function bucketClass(bucket: UptimeBucket): 'none' | 'maint' | 'ok' | 'warn' | 'bad' {
  if (bucket.upPct === null) return bucket.maintenance > 0 ? 'maint' : 'none';
  if (bucket.upPct >= 99.9) return 'ok';
  if (bucket.upPct >= 95) return 'warn';
  return 'bad';
}

/** One bar per bucket, oldest left; each bar carries a tooltip with its time and uptime. */
export function renderUptimeBars(buckets: readonly UptimeBucket[], unit: BucketUnit): SafeHtml {
  const width = buckets.length * (BAR_WIDTH + BAR_GAP) - BAR_GAP;
  const bars = buckets.map((b, i) => {
    const when = new Date(b.startMs).toISOString().slice(0, unit === 'hour' ? 13 : 10).replace('T', ' ');
    const what = b.upPct === null ? 'no data' : `${b.upPct.toFixed(2)} % up (${b.checks} checks)`;
    const maint = b.maintenance > 0 ? `; ${b.maintenance} checks in maintenance, not counted` : '';
    return html`<rect class="bar ${bucketClass(b)}" x="${i * (BAR_WIDTH + BAR_GAP)}" y="0" width="${BAR_WIDTH}" height="${BAR_HEIGHT}" rx="1.5"><title>${when}${unit === 'hour' ? ':00' : ''} UTC: ${what}${maint}</title></rect>`;
  });
  return html`<svg class="uptime-bars" viewBox="0 0 ${width} ${BAR_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="Uptime, last ${buckets.length} ${unit === 'hour' ? 'hours' : 'days'}">${bars}</svg>`;
}
