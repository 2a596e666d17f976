import { createHash } from 'node:crypto';

/**
 * The stable offset of a target inside its interval: hash(id) mod interval. SHA-1 gives
 * 48 well-mixed bits, so ids that differ by one character land far apart and a fleet
 * spreads evenly; the same id always gets the same phase, across restarts and hosts.
 */
export function phaseOf(id: string, intervalMs: number): number {
  const digest = createHash('sha1').update(id).digest();
  return digest.readUIntBE(0, 6) % intervalMs;
}

/** The first due time at or after `nowMs` whose offset in the interval equals the phase. */
export function firstDueAt(nowMs: number, intervalMs: number, phaseMs: number): number {
  const base = Math.floor(nowMs / intervalMs) * intervalMs + phaseMs;
  return base >= nowMs ? base : base + intervalMs;
}
