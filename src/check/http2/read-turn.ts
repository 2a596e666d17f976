import { MAX_FRAMES_PER_TURN } from './limits.js';

/** A session that ran out of the turn's budget and waits for a later turn (H2Session). */
export interface TurnReader {
  /** parse what it has left, with the turn's budget (calling `take`, and `wait` again if it runs out) */
  continueReading(): void;
}

function refillTurn(turn: ReadTurn): void {
  turn.refill();
}

/**
 * How many frames the sessions sharing it may still parse in this turn of the event loop,
 * and the order in which sessions that ran out get their turn back.
 *
 * One read of a busy pooled session can hold thousands of small responses, and each
 * completed stream starts its caller's next request synchronously: handled at once, the
 * reads of one poll phase could hold the loop (and every timer of the process) for
 * hundreds of ms. A session whose turn is spent pauses its socket and `wait`s; the budget is
 * refilled by a setImmediate scheduled at the turn's first frame, which then hands it to the
 * waiting sessions **in the order they started waiting** (a session that spends the budget
 * again goes to the back). So one poll phase plus the check phase after it parse at most
 * twice the budget, however many sessions are readable, and every waiting session is served
 * within one round of the others, however much one of them has to read.
 *
 * (The order matters: when each session rescheduled itself with its own setImmediate, the
 * one served first in a check phase also re-queued first, so it was first again next turn.
 * Its completed checks' successors went to it as the least busy session, it kept the whole
 * budget, and the other sessions waited seconds: with 100,000 h2c checks in flight, most of
 * them timed out while the favoured sessions' checks took milliseconds.)
 *
 * Shared by every session of one Clients (one per process in the load test); a session given
 * none has its own.
 */
export class ReadTurn {
  private left: number;
  private isRefillScheduled = false;
  /** readers waiting for the next refill, oldest first, from `waitingHead` */
  private waiting: TurnReader[] = [];
  private waitingHead = 0;

  constructor(private readonly maxFrames: number = MAX_FRAMES_PER_TURN) {
    if (!(maxFrames >= 1)) throw new RangeError(`maxFrames: expected >= 1, got ${maxFrames}`);
    this.left = maxFrames;
  }

  /** Readers waiting for a later turn (tests, diagnostics). */
  get waitingCount(): number {
    return this.waiting.length - this.waitingHead;
  }

  /** Takes one frame of this turn's budget; false when it is spent (then `wait`). */
  take(): boolean {
    this.scheduleRefill();
    if (this.left === 0) return false;
    this.left--;
    return true;
  }

  /**
   * `reader` spent the budget (or found it spent): it is called back once, after the readers
   * already waiting, in a later turn. The caller waits at most once at a time.
   */
  wait(reader: TurnReader): void {
    this.waiting.push(reader);
    this.scheduleRefill();
  }

  /** @internal (setImmediate) a new turn: refill the budget and serve the waiting readers in order */
  refill(): void {
    this.isRefillScheduled = false;
    this.left = this.maxFrames;
    // A reader that spends the budget waits again behind the others; the loop ends with the
    // budget or the queue (a reader that waits again found the budget spent).
    while (this.left > 0 && this.waitingHead < this.waiting.length) {
      const reader = this.waiting[this.waitingHead] as TurnReader;
      this.waiting[this.waitingHead++] = undefined as unknown as TurnReader;
      reader.continueReading();
    }
    if (this.waitingHead === this.waiting.length) {
      this.waiting = [];
      this.waitingHead = 0;
    } else {
      if (this.waitingHead > 1_024 && this.waitingHead * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.waitingHead);
        this.waitingHead = 0;
      }
      this.scheduleRefill();
    }
  }

  private scheduleRefill(): void {
    if (this.isRefillScheduled) return;
    this.isRefillScheduled = true;
    setImmediate(refillTurn, this);
  }
}
