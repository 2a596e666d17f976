/**
 * Durations as people write them: a whole number of milliseconds (`1500`) or a string with
 * one unit (`1500ms`, `30s`, `1m`, `2h`, `7d`). Anything else is refused, never guessed.
 * The one parser: config files, check specs (heartbeat periods) and maintenance windows.
 */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

export const DURATION_FORM = 'milliseconds (1500) or a duration such as "1500ms", "30s", "1m", "2h", "1d"';

/** Returns the duration in whole ms, or null when the value is not a duration. */
export function parseDurationMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const m = DURATION.exec(value.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return Number.isFinite(ms) && Number.isInteger(Math.round(ms)) ? Math.round(ms) : null;
}
