/**
 * Counts the turns of the event loop (one `setImmediate` per turn) until stopped: tests that
 * assert work is spread over turns read `turn` when something completes.
 */
export interface LoopTurns {
  /** turns counted since the counter started */
  readonly turn: number;
  stop(): void;
}

export function countLoopTurns(): LoopTurns {
  const counter = { turn: 0, isTicking: true };
  const tick = (): void => {
    counter.turn++;
    if (counter.isTicking) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get turn() {
      return counter.turn;
    },
    stop: () => {
      counter.isTicking = false;
    },
  };
}
