/**
 * Where an uptime window's counts come from, the same for both stores (docs/storage.md,
 * "Uptime from rollups"). The hourly rollups hold exactly the counts of the raw rows of every
 * hour before the rollup watermark (maintenance apart, as in raw rows), so a window
 * [fromMs, toMs) is counted as
 *
 *   raw head [fromMs, next whole hour) + rollups [that hour, watermark) + raw tail [watermark, toMs)
 *
 * which equals counting every raw row of the window, at the cost of summing ≤ 24 rollup rows
 * a day instead of scanning every result. When retention has deleted the raw rows at the
 * window's start (fromMs before the raw floor), the first hour comes whole from its rollup and
 * the summary is `approximate`, as before.
 */
const HOUR_MS = 3_600_000;

type Range = readonly [fromMs: number, toMs: number];

export interface UptimePlan {
  /** hours [from, to) summed from the rollups; null: none */
  readonly rollup: Range | null;
  /** raw result ranges to count (non-empty, disjoint from the rollup range) */
  readonly raw: readonly Range[];
  readonly approximate: boolean;
}

/**
 * `rawFloorMs`: raw rows before it may be gone (retention); `watermarkMs`: hours before it are
 * rolled up. Both null on a store that never ran its maintenance job.
 */
export function planUptime(fromMs: number, toMs: number, rawFloorMs: number | null, watermarkMs: number | null): UptimePlan {
  const approximate = rawFloorMs !== null && fromMs < rawFloorMs;
  // the head hour: whole from its rollup when its raw rows may be gone, else raw up to the next hour
  const rollupFromMs = approximate ? Math.floor(fromMs / HOUR_MS) * HOUR_MS : Math.ceil(fromMs / HOUR_MS) * HOUR_MS;
  // never an hour that ends after toMs (a window that ends in the past)
  const rollupToMs = watermarkMs === null ? rollupFromMs : Math.min(watermarkMs, Math.floor(toMs / HOUR_MS) * HOUR_MS);
  if (rollupToMs <= rollupFromMs) {
    // nothing rolled up inside the window: raw rows only (after the floor when retention ran)
    return { rollup: null, raw: nonEmpty([[approximate ? (rawFloorMs as number) : fromMs, toMs]]), approximate };
  }
  const head: Range[] = approximate ? [] : [[fromMs, rollupFromMs]];
  return { rollup: [rollupFromMs, rollupToMs], raw: nonEmpty([...head, [rollupToMs, toMs]]), approximate };
}

function nonEmpty(ranges: readonly Range[]): Range[] {
  return ranges.filter(([from, to]) => to > from);
}
