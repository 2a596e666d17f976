/**
 * When a window is open. A recurring window is open at t iff some cron occurrence o has
 * o <= t < o + duration, i.e. iff the first occurrence after t - duration is at or before t:
 * one `nextRun` per question, no scan. Occurrences are computed in the window's IANA zone by
 * croner, so "03:00 Europe/Berlin" stays 03:00 local across DST changes; `duration` is
 * elapsed time (a 3 h window that spans the spring-forward jump ends 3 real hours later).
 * A local time that does not exist (spring forward) runs at the first later valid minute;
 * an ambiguous one (fall back) runs once, at its first occurrence.
 */
import { Cron } from 'croner';
import type { MaintenanceWindow } from './maintenance-window.js';

/** the largest DST change in use (Lord Howe's is 30 min; 2 h covers historical double summer time) */
const MAX_DST_SHIFT_MS = 2 * 3_600_000;

export interface WindowOccurrence {
  readonly windowId: string;
  readonly title: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface CompiledWindow {
  readonly window: MaintenanceWindow;
  /** the occurrence open at atMs, or null */
  openAt(atMs: number): WindowOccurrence | null;
  /** occurrences that start in [fromMs, toMs), at most max, in order (an open one included when it started before fromMs) */
  occurrences(fromMs: number, toMs: number, max: number): WindowOccurrence[];
}

export function compileWindow(window: MaintenanceWindow): CompiledWindow {
  const timing = window.timing;
  const occurrence = (startMs: number, endMs: number): WindowOccurrence => ({ windowId: window.id, title: window.title, startMs, endMs });
  if (timing.type === 'once') {
    return {
      window,
      openAt: (atMs) => (atMs >= timing.fromMs && atMs < timing.toMs ? occurrence(timing.fromMs, timing.toMs) : null),
      occurrences: (fromMs, toMs, max) => (max > 0 && timing.toMs > fromMs && timing.fromMs < toMs ? [occurrence(timing.fromMs, timing.toMs)] : []),
    };
  }
  const cron = new Cron(timing.cron, { timezone: timing.timezone, paused: true });
  const wallClock = new Intl.DateTimeFormat('en-GB', { timeZone: timing.timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  // The second pass of a repeated local hour (fall back) shows the same wall clock as one
  // hour earlier; croner returns it when asked from inside that hour. It is skipped, so an
  // ambiguous local time opens the window once, at its first occurrence, however we ask.
  const isRepeatedLocalTime = (ms: number): boolean => wallClock.format(ms) === wallClock.format(ms - 3_600_000);
  // croner's nextRun(d) is strictly after d; minus 1 ms makes "first occurrence >= x"
  // Asked from inside the repeated hour, croner 10 may answer a time before the question;
  // stepping the question a minute on (cron's resolution) leaves that hour within 120 steps.
  const nextAfter = (ms: number): number | null => {
    let from = ms;
    for (let step = 0; step <= MAX_DST_SHIFT_MS / 60_000; step++) {
      const next = cron.nextRun(new Date(from))?.getTime() ?? null;
      if (next === null || next > ms) return next;
      from += 60_000;
    }
    return null;
  };
  const firstAtOrAfter = (ms: number): number | null => {
    let next = nextAfter(ms - 1);
    while (next !== null && isRepeatedLocalTime(next)) next = nextAfter(next);
    return next;
  };
  const openAt = (atMs: number): WindowOccurrence | null => {
    const start = firstAtOrAfter(atMs - timing.durationMs + 1);
    if (start !== null && start <= atMs) return occurrence(start, start + timing.durationMs);
    // croner moves a start that falls into a spring-forward gap to after the gap only when
    // asked from before the gap; asked from inside it, it skips that day. Asking again from
    // a DST shift earlier finds such an occurrence.
    const shifted = firstAtOrAfter(atMs - timing.durationMs - MAX_DST_SHIFT_MS);
    return shifted !== null && shifted <= atMs && atMs < shifted + timing.durationMs ? occurrence(shifted, shifted + timing.durationMs) : null;
  };
  return {
    window,
    openAt,
    occurrences(fromMs, toMs, max) {
      const out: WindowOccurrence[] = [];
      const open = openAt(fromMs);
      if (open !== null) out.push(open);
      let at = open === null ? fromMs : open.startMs + 1;
      while (out.length < max) {
        const start = firstAtOrAfter(at);
        if (start === null || start >= toMs) break;
        out.push(occurrence(start, start + timing.durationMs));
        at = start + 1;
      }
      return out;
    },
  };
}
