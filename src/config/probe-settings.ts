/** Probe-wide settings: the in-flight cap and the probe-health rule (see docs/daemon.md). */
import { z } from 'zod';
import { DURATION_FORM, parseDurationMs, durationInputSchema } from './duration.js';

export interface ProbeHealthSettings {
  /** sliding window over which transport failures are counted */
  readonly windowMs: number;
  /** distinct failing hosts needed to call the probe degraded */
  readonly minFailingHosts: number;
  /** …and the share of the hosts checked in the window that must be failing (0..1) */
  readonly minFailingFraction: number;
}

export interface ProbeSettings {
  readonly maxInFlight: number;
  readonly health: ProbeHealthSettings;
}

export const DEFAULT_PROBE_SETTINGS: ProbeSettings = Object.freeze({
  maxInFlight: 1024,
  health: Object.freeze({ windowMs: 60_000, minFailingHosts: 5, minFailingFraction: 0.5 }),
});

export const probeInputSchema = z.strictObject({
  maxInFlight: z.number().int().min(1).max(16_384).optional(),
  health: z
    .strictObject({
      window: durationInputSchema.optional(),
      minFailingHosts: z.number().int().min(2).max(100_000).optional(),
      minFailingFraction: z.number().gt(0).max(1).optional(),
    })
    .optional(),
});

export function parseProbeSettings(raw: z.infer<typeof probeInputSchema>, fail: (field: string, message: string) => Error): ProbeSettings {
  const d = DEFAULT_PROBE_SETTINGS;
  let windowMs = d.health.windowMs;
  if (raw.health?.window !== undefined) {
    const ms = parseDurationMs(raw.health.window);
    if (ms === null || ms < 1_000) throw fail('health.window', `expected ${DURATION_FORM} (at least 1s), got ${JSON.stringify(raw.health.window)}`);
    windowMs = ms;
  }
  return Object.freeze({
    maxInFlight: raw.maxInFlight ?? d.maxInFlight,
    health: Object.freeze({
      windowMs,
      minFailingHosts: raw.health?.minFailingHosts ?? d.health.minFailingHosts,
      minFailingFraction: raw.health?.minFailingFraction ?? d.health.minFailingFraction,
    }),
  });
}
