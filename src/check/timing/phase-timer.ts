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

export class PhaseTimer {
  readonly startMs: number;
  dnsStart = NaN;
  dnsEnd = NaN;
  connectStart = NaN;
  connectEnd = NaN;
  tlsEnd = NaN;
  requestWritten = NaN;
  headers = NaN;
  bodyEnd = NaN;

  constructor(startMs: number = performance.now()) {
    this.startMs = startMs;
  }

  mark(name: Mark, atMs: number = performance.now()): void {
    // One store per field, not `this[name] = atMs`: a keyed store with eight names goes
    // megamorphic, and marks run several times per check on the hot path.
    switch (name) {
      case 'dnsStart': this.dnsStart = atMs; break;
      case 'dnsEnd': this.dnsEnd = atMs; break;
      case 'connectStart': this.connectStart = atMs; break;
      case 'connectEnd': this.connectEnd = atMs; break;
      case 'tlsEnd': this.tlsEnd = atMs; break;
      case 'requestWritten': this.requestWritten = atMs; break;
      case 'headers': this.headers = atMs; break;
      case 'bodyEnd': this.bodyEnd = atMs; break;
    }
  }

  /** Starts a new hop (redirect): phases describe the last hop only; total spans all. */
  resetHop(): void {
    this.dnsStart = this.dnsEnd = this.connectStart = this.connectEnd = NaN;
    this.tlsEnd = this.requestWritten = this.headers = this.bodyEnd = NaN;
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
      totalMs: round(endMs - this.startMs),
    };
  }
}

function span(from: number, to: number): number | null {
  // NaN comparisons are false, so a missing mark on either side yields null.
  if (!(to >= from)) return null;
  return round(to - from);
}

/** Microsecond resolution keeps JSON small without losing sub-ms precision. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
