import { isIP } from 'node:net';
import { buildClients, type ClientConfig, type Clients } from '../../src/check/index.js';
import type { AddressGuard } from '../../src/check/dns/resolver-types.js';
import { fixtureCa } from './certs.js';

/**
 * Clients with the SSRF guard ON, for testing it on loopback without ever sending a packet
 * anywhere else.
 *
 * The real guard (built by buildClients) decides. Two test-only rules wrap it:
 * - `exempt` addresses are let through, so a first hop on 127.0.0.1 can be reached while
 *   every other loopback address (127.0.0.2, ::1, …) stays blocked by the real guard. This is
 *   how "a redirect from an allowed host to a blocked one" is tested without a non-loopback
 *   listener, which this machine must not have.
 * - Safety net: an address the real guard allows that is not loopback is blocked anyway and
 *   recorded in `leaks`, so a broken guard fails the test instead of connecting to a private
 *   or public address.
 */
export interface GuardedClients {
  readonly clients: Clients;
  /** non-loopback addresses the real guard would have let through (must stay empty) */
  readonly leaks: string[];
}

export const SAFETY_RANGE = 'TEST SAFETY NET: not loopback';

function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1' || /^::ffff:127\./i.test(address);
}

export function guardedClients(exempt: readonly string[] = [], extra: ClientConfig = {}): GuardedClients {
  const base = buildClients({ allowPrivateTargets: false, ca: fixtureCa(), ...extra });
  const real = base.guard;
  const leaks: string[] = [];
  const allowed = new Set(exempt);
  const guard: AddressGuard = {
    blockedRange(address: string): string | null {
      if (allowed.has(address)) return null;
      const range = real.blockedRange(address);
      if (range !== null) return range;
      if (isLoopback(address)) return null;
      leaks.push(address);
      return SAFETY_RANGE;
    },
  };
  return { clients: Object.freeze({ ...base, guard }), leaks };
}
