import type { DelayRangeMs, FaultKind, FaultShare } from '../options/knob-parsers.js';

/** What one mock listener set serves; plain data so it crosses a worker-thread boundary. */
export interface MockConfig {
  readonly count: number;
  readonly http2: boolean;
  readonly tls: { readonly certPem: string; readonly keyPem: string } | null;
  readonly delayMs: DelayRangeMs;
  readonly faults: readonly FaultShare[];
  /** how long a `slow` fault holds the answer back: longer than the client's timeout */
  readonly slowMs: number;
}

export type MockAction =
  | { readonly type: 'ok'; readonly delayMs: number }
  | { readonly type: 'status'; readonly statusCode: number; readonly delayMs: number }
  | { readonly type: 'reset' }
  | { readonly type: 'close' }
  | { readonly type: 'slow'; readonly delayMs: number };

const OK: MockAction = Object.freeze({ type: 'ok', delayMs: 0 });

/**
 * Picks what to do with one request: a fault with its probability, else 200 after the
 * configured delay. `random` is injected so the choice can be tested.
 */
export function chooseAction(config: Pick<MockConfig, 'delayMs' | 'faults' | 'slowMs'>, random: () => number): MockAction {
  const delayMs = pickDelayMs(config.delayMs, random);
  if (config.faults.length > 0) {
    let draw = random();
    for (const share of config.faults) {
      if (draw < share.probability) return actionFor(share.fault, delayMs, config.slowMs);
      draw -= share.probability;
    }
  }
  return delayMs === 0 ? OK : { type: 'ok', delayMs };
}

function actionFor(fault: FaultKind, delayMs: number, slowMs: number): MockAction {
  if (fault.type === 'status') return { type: 'status', statusCode: fault.statusCode, delayMs };
  if (fault.type === 'slow') return { type: 'slow', delayMs: slowMs };
  return fault.type === 'reset' ? { type: 'reset' } : { type: 'close' };
}

function pickDelayMs(range: DelayRangeMs, random: () => number): number {
  if (range.maxMs === 0) return 0;
  if (range.minMs === range.maxMs) return range.minMs;
  return range.minMs + Math.floor(random() * (range.maxMs - range.minMs + 1));
}

/** Runs `fn` now or after `delayMs`; returns a canceller for when the peer goes away first. */
export function afterDelay(delayMs: number, fn: () => void): () => void {
  if (delayMs <= 0) {
    fn();
    return () => undefined;
  }
  const timer = setTimeout(fn, delayMs);
  return () => clearTimeout(timer);
}
