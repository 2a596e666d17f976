// Test-only builders shared by the contract suite, the pipeline tests and the benchmark.
import type { CheckResult, CheckStatus } from '../../src/domain/check-result.js';
import type { NewTarget, StoredResult } from '../../src/storage/store.js';

export function httpTarget(id: string, overrides: Partial<NewTarget> = {}): NewTarget {
  return {
    id,
    name: `Target ${id}`,
    input: { url: `https://${id}.example.test/health`, expectStatus: '200-299' },
    intervalMs: 60_000,
    tags: ['prod'],
    enabled: true,
    confirmations: 2,
    regions: null,
    quorum: 'majority',
    source: 'api',
    ...overrides,
  };
}

const TLS = {
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_128_GCM_SHA256',
  alpn: 'h2',
  certSubject: 'CN=svc.example.test',
  certIssuer: 'CN=Vigil Test CA',
  certExpiresAt: '2030-01-01T00:00:00.000Z',
  daysRemaining: 1000,
  chainExpiresAt: '2029-06-01T00:00:00.000Z',
  chainDaysRemaining: 800,
  chain: null,
};

/** A healthy HTTPS result with every phase; `ttfbMs` and status are the usual knobs. */
export function httpResult(startedAt: number, opts: { status?: CheckStatus; ttfbMs?: number; targetId?: string } = {}): StoredResult {
  const ttfbMs = opts.ttfbMs ?? 12.345;
  const status = opts.status ?? 'up';
  const failed = status === 'down' || status === 'error';
  const result: CheckResult = {
    kind: 'http',
    target: `https://${opts.targetId ?? 'web'}.example.test/health`,
    startedAt,
    status,
    httpVersion: '2',
    statusCode: failed ? 500 : 200,
    responseBytes: 2,
    timings: { dnsMs: 0.512, connectMs: 1.25, tlsMs: 4.5, ttfbMs, receiveMs: 0.25, totalMs: 6.512 + ttfbMs + 0.25 },
    errorKind: failed ? 'unexpected_status' : status === 'degraded' ? 'slow_response' : null,
    errorFamily: failed ? 'verdict' : status === 'degraded' ? 'verdict' : null,
    errorPhase: null,
    detail: failed ? 'status 500, expected 200-299' : null,
    connectionReused: false,
    tls: { ...TLS },
  };
  return { targetId: opts.targetId ?? 'web', result, dueAt: startedAt - 2, schedulingLagMs: 2, loopDelayMs: 0.75 };
}

/** A refused TCP connect: only dns and connect timings exist. */
export function tcpRefused(startedAt: number, targetId = 'db'): StoredResult {
  const result: CheckResult = {
    kind: 'tcp',
    target: '127.0.0.1:5432',
    startedAt,
    status: 'down',
    httpVersion: null,
    statusCode: null,
    responseBytes: null,
    timings: { dnsMs: null, connectMs: 0.125, tlsMs: null, ttfbMs: null, receiveMs: null, totalMs: 0.25 },
    errorKind: 'connection_refused',
    errorFamily: 'transport',
    errorPhase: 'connect',
    detail: 'connect ECONNREFUSED 127.0.0.1:5432',
    connectionReused: false,
    tls: null,
  };
  return { targetId, result, dueAt: startedAt, schedulingLagMs: 0, loopDelayMs: 0 };
}
