import { html } from './html-escape.js';
import type { TargetState } from './status-model.js';

const COLORS = {
  green: '#4c1',
  lightgreen: '#97ca00',
  yellow: '#dfb317',
  red: '#e05d44',
  grey: '#9f9f9f',
  blue: '#007ec6',
} as const;
type BadgeColor = keyof typeof COLORS;

/** at most this many characters of a label or message (and of the tooltip); longer ones end with "…" */
const MAX_TEXT_CHARS = 40;
const MAX_TITLE_CHARS = 300;
/** bidi controls would reorder the badge's text; a badge shows them as nothing */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function statusBadgeColor(state: TargetState, inMaintenance: boolean): BadgeColor {
  if (inMaintenance) return 'blue';
  if (state === 'up') return 'green';
  if (state === 'degraded') return 'yellow';
  if (state === 'down' || state === 'error') return 'red';
  return 'grey';
}

export function uptimeBadgeColor(pct: number | null): BadgeColor {
  if (pct === null) return 'grey';
  if (pct >= 99.9) return 'green';
  if (pct >= 99) return 'lightgreen';
  if (pct >= 95) return 'yellow';
  return 'red';
}

/**
 * A flat, shields.io-style badge: grey label on the left, coloured message on the right,
 * 20 px high. Widths are estimated from the text (Verdana 11 px averages about 6.5 px per
 * character; wide letters get more), so no font metrics are needed. Text is escaped; `title`
 * is the tooltip (and what a screen reader reads).
 */
export function renderBadge(label: string, message: string, color: BadgeColor, title = `${label}: ${message}`): string {
  const left = clean(label, MAX_TEXT_CHARS);
  const right = clean(message, MAX_TEXT_CHARS);
  const tooltip = clean(title, MAX_TITLE_CHARS);
  const lw = textWidth(left) + 10;
  const rw = textWidth(right) + 10;
  const width = lw + rw;
  return html`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${tooltip}"><title>${tooltip}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${rw}" height="20" fill="${COLORS[color]}"/><rect width="${width}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="${lw / 2}" y="15" fill="#010101" fill-opacity=".3">${left}</text><text x="${lw / 2}" y="14">${left}</text><text x="${lw + rw / 2}" y="15" fill="#010101" fill-opacity=".3">${right}</text><text x="${lw + rw / 2}" y="14">${right}</text></g></svg>`.html;
}

function clean(text: string, maxChars: number): string {
  const plain = text.replace(BIDI_CONTROLS, '');
  const chars = [...plain];
  return chars.length <= maxChars ? plain : `${chars.slice(0, maxChars - 1).join('')}…`;
}

function textWidth(text: string): number {
  let w = 0;
  for (const c of text) w += /[mwMW@%]/.test(c) ? 10 : /[A-Z0-9#&]/.test(c) ? 7.5 : /[iljtf.,:;'|! ]/.test(c) ? 3.5 : 6.5;
  return Math.ceil(w);
}
