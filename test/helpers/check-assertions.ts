import assert from 'node:assert/strict';
import type { CheckResult, Timings } from '../../src/domain/check-result.js';
import { ERROR_FAMILY, type ErrorKind, type ErrorPhase } from '../../src/domain/error-kind.js';

/** Which timings a result must have (true: a number; false: null). totalMs always exists. */
export interface PresentPhases {
  readonly dns: boolean;
  readonly connect: boolean;
  readonly tls: boolean;
  readonly ttfb: boolean;
  readonly receive: boolean;
}

const PHASE_FIELDS = { dns: 'dnsMs', connect: 'connectMs', tls: 'tlsMs', ttfb: 'ttfbMs', receive: 'receiveMs' } as const;

/** Timings are rounded to 1 µs each, so their sum can exceed the total by a few µs. */
const ROUNDING_SLACK_MS = 0.01;

/**
 * Exactly these phases are present; each present one is >= 0; phases never sum past the
 * total. Phases are measured between consecutive marks, so a sum within the total is what
 * "no overlap" looks like from outside.
 */
function assertPhases(result: CheckResult, present: PresentPhases): void {
  const t: Timings = result.timings;
  const shape = Object.fromEntries(Object.entries(PHASE_FIELDS).map(([phase, field]) => [phase, t[field] !== null]));
  assert.deepEqual(shape, { ...present }, `present phases of ${JSON.stringify(t)}`);
  let sum = 0;
  for (const field of Object.values(PHASE_FIELDS)) {
    const value = t[field];
    if (value === null) continue;
    assert.ok(Number.isFinite(value) && value >= 0, `${field} = ${value}`);
    sum += value;
  }
  assert.ok(Number.isFinite(t.totalMs) && t.totalMs > 0, `totalMs = ${t.totalMs}`);
  assert.ok(sum <= t.totalMs + ROUNDING_SLACK_MS, `phases sum ${sum} > totalMs ${t.totalMs}: ${JSON.stringify(t)}`);
}

export interface ExpectedFailure {
  readonly status: CheckResult['status'];
  readonly errorKind: ErrorKind;
  readonly errorPhase: ErrorPhase | null;
  readonly phases: PresentPhases;
}

/** Status, kind, family, phase and timings of a failed (or degraded) result. */
export function assertFailure(result: CheckResult, expected: ExpectedFailure): void {
  const got = { status: result.status, errorKind: result.errorKind, errorPhase: result.errorPhase };
  const want = { status: expected.status, errorKind: expected.errorKind, errorPhase: expected.errorPhase };
  assert.deepEqual(got, want, `result: ${JSON.stringify(result)}`);
  assert.equal(result.errorFamily, ERROR_FAMILY[expected.errorKind]);
  assert.equal(typeof result.detail, 'string', 'a failure explains itself in detail');
  assertPhases(result, expected.phases);
}

/** An `up` result with the given status code, no error, and sane timings. */
export function assertUp(result: CheckResult, statusCode: number | null, phases: PresentPhases): void {
  assert.deepEqual(
    { status: result.status, statusCode: result.statusCode, errorKind: result.errorKind, errorFamily: result.errorFamily, errorPhase: result.errorPhase },
    { status: 'up', statusCode, errorKind: null, errorFamily: null, errorPhase: null },
    `result: ${JSON.stringify(result)}`,
  );
  assertPhases(result, phases);
}

/** Phase presence shorthands for the common shapes. */
export const PHASES = {
  /** refused / reset while connecting to an IP literal: nothing completed */
  none: { dns: false, connect: false, tls: false, ttfb: false, receive: false },
  /** plain HTTP to an IP literal, complete */
  httpComplete: { dns: false, connect: true, tls: false, ttfb: true, receive: true },
  /** plain HTTP to an IP literal, failed while waiting for headers */
  httpNoHeaders: { dns: false, connect: true, tls: false, ttfb: false, receive: false },
  /** plain HTTP to an IP literal, headers arrived, body failed */
  httpNoBodyEnd: { dns: false, connect: true, tls: false, ttfb: true, receive: false },
  /** HTTPS to an IP literal, complete */
  httpsComplete: { dns: false, connect: true, tls: true, ttfb: true, receive: true },
  /** HTTPS to an IP literal, handshake failed */
  tlsFailed: { dns: false, connect: true, tls: false, ttfb: false, receive: false },
  /** TCP check to an IP literal */
  tcpConnected: { dns: false, connect: true, tls: false, ttfb: false, receive: false },
} as const satisfies Record<string, PresentPhases>;
