/**
 * A check's timers — its overall budget, its connect timeout, the wait for the server's FIN —
 * on one clock per Clients instead of one Node timer each.
 *
 * Deadlines armed with the same duration fall due in the order they were armed, so each
 * duration has one FIFO lane: an intrusive doubly linked list through the entries (which
 * extend `Deadline`) and one Node timer armed for the lane's oldest entry. Arming and
 * disarming cost a few pointer writes and allocate nothing; a lane's timer is re-armed only
 * when it fires (at the oldest deadline, usually to find that entry long disarmed and the next
 * one not yet due) and is cleared when the lane empties, so an idle process can exit. One
 * Node timer per deadline cost a Timeout object, an argument array, a timer-list insert with
 * a clock read and the matching unlink, on every check.
 */

/**
 * An entry this close to its deadline is due when its lane's timer fires: Node fires timers
 * on loop time in whole ms, so a timer can run a fraction of a ms before the exact deadline,
 * and waiting another full timer turn would overrun it instead.
 */
const DUE_SLACK_MS = 0.5;

/**
 * Entries one lane expires per turn of the event loop, at most; the rest of what is due
 * goes on in the next turn. An expiry is not free (the check's stream is reset, its result
 * built, its caller's next check started), and when a loaded process lets a whole lap of
 * checks run out together, one timer callback expired tens of thousands of them: 51,000
 * in 5.2 s at 100,000 h2c checks in flight, a loop stalled for seconds while the answers of
 * the checks still in time waited unread, so they timed out too. In slices, the reads of
 * the turns between them go on (a check whose answer is read after its deadline still
 * fails as a timeout: see `isOverdue`). About the frame budget of a turn (read-turn.ts).
 */
const MAX_EXPIRIES_PER_TURN = 1_024;

/** Something with a deadline on a DeadlineClock; `expire` runs once if it falls due while armed. */
export abstract class Deadline {
  /** the lane it is armed on (null: not armed) */
  clockLane: DeadlineLane | null = null;
  clockPrev: Deadline | null = null;
  clockNext: Deadline | null = null;
  /** performance.now() ms at which it falls due */
  clockDueMs = 0;

  abstract expire(): void;
}

/** The deadlines of one duration, in arming order (so in deadline order), and their one timer. */
export interface DeadlineLane {
  readonly durationMs: number;
  head: Deadline | null;
  tail: Deadline | null;
  timer: NodeJS.Timeout | null;
}

export class DeadlineClock {
  private readonly lanes = new Map<number, DeadlineLane>();

  constructor(private readonly maxExpiriesPerTurn: number = MAX_EXPIRIES_PER_TURN) {
    if (!(maxExpiriesPerTurn >= 1)) throw new RangeError(`maxExpiriesPerTurn: expected >= 1, got ${maxExpiriesPerTurn}`);
  }

  /**
   * Arms `entry` to expire `durationMs` (rounded up to a whole ms) after `nowMs`, a
   * performance.now() reading the caller just took. An entry already armed is moved.
   */
  arm(entry: Deadline, durationMs: number, nowMs: number = performance.now()): void {
    if (entry.clockLane !== null) this.disarm(entry);
    const key = Math.max(1, Math.ceil(durationMs));
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = { durationMs: key, head: null, tail: null, timer: null };
      this.lanes.set(key, lane);
    }
    entry.clockDueMs = nowMs + key;
    entry.clockLane = lane;
    entry.clockPrev = lane.tail;
    entry.clockNext = null;
    if (lane.tail === null) lane.head = entry;
    else lane.tail.clockNext = entry;
    lane.tail = entry;
    lane.timer ??= setTimeout(onLaneDue, key, this, lane);
  }

  /** Takes `entry` off the clock; it will not expire. Harmless when it is not armed. */
  disarm(entry: Deadline): void {
    const lane = entry.clockLane;
    if (lane === null) return;
    unlink(lane, entry);
    if (lane.head === null) this.retire(lane);
  }

  /** Entries armed and not yet disarmed or expired (tests, diagnostics). */
  get armed(): number {
    let n = 0;
    for (const lane of this.lanes.values()) for (let e = lane.head; e !== null; e = e.clockNext) n++;
    return n;
  }

  /**
   * @internal the lane's timer fired: expire what is due (at most maxExpiriesPerTurn, the
   * rest in the next turn), re-arm for the oldest left
   */
  due(lane: DeadlineLane): void {
    lane.timer = null;
    let nowMs = performance.now();
    let expired = 0;
    for (let entry = lane.head; entry !== null; entry = lane.head) {
      const isDue = entry.clockDueMs - nowMs <= DUE_SLACK_MS;
      if (!isDue || expired === this.maxExpiriesPerTurn) {
        // An expiry above may have armed an entry in this lane, and with it a later timer.
        if (lane.timer !== null) clearTimeout(lane.timer);
        lane.timer = setTimeout(onLaneDue, isDue ? 0 : Math.ceil(entry.clockDueMs - nowMs), this, lane);
        return;
      }
      unlink(lane, entry);
      entry.expire();
      expired++;
      nowMs = performance.now();
    }
    this.retire(lane);
  }

  private retire(lane: DeadlineLane): void {
    if (lane.timer !== null) clearTimeout(lane.timer);
    lane.timer = null;
    // Only if it is still empty: an expiry may have armed an entry in this lane.
    if (lane.head === null && this.lanes.get(lane.durationMs) === lane) this.lanes.delete(lane.durationMs);
  }
}

/**
 * `entry` is armed and its deadline had passed at `nowMs`: it is due and waits for its
 * lane's turn (MAX_EXPIRIES_PER_TURN). What it was waiting for came too late: the caller
 * expires it rather than count it as in time.
 */
export function isOverdue(entry: Deadline, nowMs: number): boolean {
  return entry.clockLane !== null && nowMs - entry.clockDueMs > DUE_SLACK_MS;
}

function onLaneDue(clock: DeadlineClock, lane: DeadlineLane): void {
  clock.due(lane);
}

function unlink(lane: DeadlineLane, entry: Deadline): void {
  const prev = entry.clockPrev;
  const next = entry.clockNext;
  if (prev === null) lane.head = next;
  else prev.clockNext = next;
  if (next === null) lane.tail = prev;
  else next.clockPrev = prev;
  entry.clockLane = null;
  entry.clockPrev = null;
  entry.clockNext = null;
}
