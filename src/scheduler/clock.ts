/**
 * Time as the scheduler sees it, injected so tests can drive it with a fake clock.
 * `now()` is epoch milliseconds with sub-ms precision.
 */
export type TimerId = { readonly __timer: true } | number | ReturnType<typeof setTimeout>;

export interface Clock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerId;
  clearTimer(id: TimerId): void;
}

/**
 * The real clock. `now()` is performance.timeOrigin + performance.now(): epoch-based like
 * Date.now() but monotonic and sub-millisecond, so lag measurements never go negative
 * when the wall clock is stepped.
 */
export function createSystemClock(): Clock {
  return {
    now: () => performance.timeOrigin + performance.now(),
    setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
    clearTimer: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
  };
}
