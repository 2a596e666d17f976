import { MAX_FRAMES_PER_TURN } from './limits.js';

function resetTurn(turn: ReadTurn): void {
  turn.reset();
}

/**
 * How many frames the sessions sharing it may still parse in this turn of the event loop.
 * One read of a busy pooled session can hold thousands of small responses, and each
 * completed stream starts its caller's next request synchronously: handled at once, the
 * reads of one poll phase could hold the loop (and every timer of the process) for
 * hundreds of ms. A session whose turn is spent pauses its socket and goes on in a later
 * turn (setImmediate); the budget is refilled by a setImmediate scheduled at the turn's
 * first frame, which runs before those continuations. So one poll phase plus the check phase
 * after it parse at most twice the budget, however many sessions are readable.
 *
 * Shared by every session of one Clients (one per process in the load test); a session given
 * none has its own.
 */
export class ReadTurn {
  private left: number;
  private isRefillScheduled = false;

  constructor(private readonly maxFrames: number = MAX_FRAMES_PER_TURN) {
    if (!(maxFrames >= 1)) throw new RangeError(`maxFrames: expected >= 1, got ${maxFrames}`);
    this.left = maxFrames;
  }

  /** Takes one frame of this turn's budget; false when it is spent (go on in a later turn). */
  take(): boolean {
    if (!this.isRefillScheduled) {
      this.isRefillScheduled = true;
      setImmediate(resetTurn, this);
    }
    if (this.left === 0) return false;
    this.left--;
    return true;
  }

  /** @internal (setImmediate) the next turn may parse `maxFrames` again */
  reset(): void {
    this.isRefillScheduled = false;
    this.left = this.maxFrames;
  }
}
