import type { Timings } from '../../domain/check-result.js';

/**
 * Records monotonic marks (ms from performance.now()) as socket events happen; `finish()`
 * turns them into non-overlapping phases. Event handlers only ever call `mark`; nothing is
 * computed on the hot path.
 */
export type Mark =
  | 'dnsStart'
  | 'dnsEnd'
  | 'connectStart'
  | 'connectEnd'
  | 'tlsEnd'
  | 'requestWritten'
  | 'headers'
  | 'bodyEnd';

/** A mark not (yet) recorded. */
const UNMARKED = -1;

/**
 * Marks are whole microseconds since `startMs`: small integers, which V8 keeps inline in the
 * object (Smis), where a double field would cost a separate heap number per field and per
 * check. Results are rounded to the microsecond anyway.
 */
export class PhaseTimer {
  readonly startMs: number;
  dnsStart = UNMARKED;
  dnsEnd = UNMARKED;
  connectStart = UNMARKED;
  connectEnd = UNMARKED;
  tlsEnd = UNMARKED;
  requestWritten = UNMARKED;
  headers = UNMARKED;
  bodyEnd = UNMARKED;

  constructor(startMs: number = performance.now()) {
    this.startMs = startMs;
  }

  mark(name: Mark, atMs: number = performance.now()): void {
    // Never before the start (a caller's earlier clock read), so UNMARKED stays unambiguous.
    const us = Math.max(0, Math.round((atMs - this.startMs) * 1000));
    // One store per field, not `this[name] = us`: a keyed store with eight names goes
    // megamorphic, and marks run several times per check on the hot path.
    switch (name) {
      case 'dnsStart': this.dnsStart = us; break;
      case 'dnsEnd': this.dnsEnd = us; break;
      case 'connectStart': this.connectStart = us; break;
      case 'connectEnd': this.connectEnd = us; break;
      case 'tlsEnd': this.tlsEnd = us; break;
      case 'requestWritten': this.requestWritten = us; break;
      case 'headers': this.headers = us; break;
      case 'bodyEnd': this.bodyEnd = us; break;
    }
  }

  /** Starts a new hop (redirect): phases describe the last hop only; total spans all. */
  resetHop(): void {
    this.dnsStart = this.dnsEnd = this.connectStart = this.connectEnd = UNMARKED;
    this.tlsEnd = this.requestWritten = this.headers = this.bodyEnd = UNMARKED;
  }

  elapsedMs(nowMs: number = performance.now()): number {
    return nowMs - this.startMs;
  }

  finish(endMs: number = performance.now()): Timings {
    return {
      dnsMs: span(this.dnsStart, this.dnsEnd),
      connectMs: span(this.connectStart, this.connectEnd),
      tlsMs: span(this.connectEnd, this.tlsEnd),
      ttfbMs: span(this.requestWritten, this.headers),
      receiveMs: span(this.headers, this.bodyEnd),
      totalMs: Math.round((endMs - this.startMs) * 1000) / 1000,
    };
  }
}

/** ms between two marks (µs), or null when either is missing or they are out of order. */
function span(fromUs: number, toUs: number): number | null {
  if (fromUs === UNMARKED || toUs === UNMARKED || toUs < fromUs) return null;
  return (toUs - fromUs) / 1000;
}
