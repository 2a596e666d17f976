import type { CheckStatus, TlsInfo } from '../../domain/check-result.js';
import { certExpiresInMs, firstFailedCondition } from '../conditions.js';
import { statusExpected, type HttpCheckSpec } from '../../domain/check-spec.js';
import type { ErrorKind } from '../../domain/error-kind.js';
import { compileBodyPattern } from '../../domain/body-pattern.js';
import type { DecodedBody } from './body.js';
import { conditionsRead } from '../../domain/conditions.js';
import type { ResponseHeaders } from '../exchange-types.js';

export interface Verdict {
  readonly status: CheckStatus;
  readonly errorKind: ErrorKind | null;
  readonly detail: string | null;
}

const UP: Verdict = Object.freeze({ status: 'up', errorKind: null, detail: null });

export function needsBody(spec: HttpCheckSpec): boolean {
  return spec.keyword !== null || spec.bodyRegex !== null || conditionsRead(spec.conditions, 'BODY');
}

function retryAfter(headers: ResponseHeaders): string {
  const value = headers.retryAfter;
  return value === undefined ? '' : ` (Retry-After: ${value})`;
}

function judgeStatus(spec: HttpCheckSpec, code: number, headers: ResponseHeaders): Verdict | null {
  if (statusExpected(spec.expectStatus, code)) return null;
  if (code === 429) return { status: 'degraded', errorKind: 'rate_limited', detail: `rate-limited 429${retryAfter(headers)}` };
  if (code === 503) return { status: 'degraded', errorKind: 'service_unavailable', detail: `unavailable 503${retryAfter(headers)}` };
  const expected = spec.expectStatus.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(',');
  return { status: 'down', errorKind: 'unexpected_status', detail: `status ${code}, expected ${expected}` };
}

function judgeBody(spec: HttpCheckSpec, decoded: DecodedBody): Verdict | null {
  if (!needsBody(spec)) return null;
  if (decoded.failure !== null) return { status: 'down', errorKind: decoded.failure.kind, detail: decoded.failure.detail };
  if (decoded.overCap || decoded.body === null) {
    return { status: 'down', errorKind: 'body_over_cap', detail: 'body exceeds the read cap, so the body assertion could not be checked' };
  }
  const text = decoded.body.toString('utf8');
  if (spec.keyword !== null && !text.includes(spec.keyword)) {
    return { status: 'down', errorKind: 'body_match_failed', detail: `keyword ${JSON.stringify(spec.keyword)} not found in ${decoded.body.length} bytes` };
  }
  if (spec.bodyRegex !== null && !compileBodyPattern(spec.bodyRegex).test(text)) {
    return { status: 'down', errorKind: 'body_match_failed', detail: `pattern /${spec.bodyRegex}/ did not match ${decoded.body.length} bytes` };
  }
  return null;
}

/** Judges a completed exchange: status first, then body assertions, then speed. */
export function judgeResponse(
  spec: HttpCheckSpec,
  code: number,
  headers: ResponseHeaders,
  decoded: DecodedBody,
  totalMs: number,
): Verdict {
  const byStatus = judgeStatus(spec, code, headers);
  if (byStatus !== null && byStatus.status === 'down') return byStatus;
  const byBody = judgeBody(spec, decoded);
  if (byBody !== null) return byBody;
  if (byStatus !== null) return byStatus;
  if (spec.degradedAfterMs !== null && totalMs > spec.degradedAfterMs) {
    return { status: 'degraded', errorKind: 'slow_response', detail: `took ${Math.round(totalMs)} ms, over the ${spec.degradedAfterMs} ms threshold` };
  }
  return UP;
}

/** The response's headers for [HEADER] conditions: null when they were not kept (the request asked for none). */
function headerReader(headers: ResponseHeaders): (name: string) => string | undefined | null {
  const raw = headers.raw;
  if (raw === undefined) return () => null;
  return (name) => {
    let value: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if ((raw[i] as string).toLowerCase() === name) value = value === undefined ? (raw[i + 1] as string) : `${value}, ${raw[i + 1] as string}`;
    }
    return value;
  };
}

/**
 * The spec's conditions on a completed exchange that no other assertion failed: the first one
 * that does not hold makes it `down` / `condition_failed`, naming the condition and the value.
 */
export function judgeConditions(
  spec: HttpCheckSpec, code: number, headers: ResponseHeaders, decoded: DecodedBody, totalMs: number, tls: TlsInfo | null, nowMs: number,
): Verdict | null {
  if (spec.conditions.length === 0) return null;
  const failed = firstFailedCondition(spec.conditions, {
    statusCode: code,
    responseTimeMs: totalMs,
    body: decoded.overCap ? null : decoded.body,
    header: headerReader(headers),
    certExpiresInMs: certExpiresInMs(tls, nowMs),
    connected: true,
    dnsRcode: null,
  });
  return failed === null ? null : { status: 'down', errorKind: 'condition_failed', detail: failed.detail };
}
