import type { CheckResult } from '../../domain/check-result.js';
import { targetOf, type TlsCheckSpec } from '../../domain/check-spec.js';
import type { Clients } from '../clients.js';
import type { ExecuteOptions } from '../index.js';
import { armBudget, disarmBudget } from '../context/budget.js';
import { withCertExpiry } from '../cert-expiry.js';
import { classifyError } from '../errors/classify.js';
import { openConnection, type TlsOptions } from '../net/connect.js';
import { CheckContext } from '../context/check-context.js';
import type { Connection } from '../net/connection-types.js';
import { upgradeToTls } from '../net/tls-upgrade.js';
import { buildResult, failureResult } from '../result-builder.js';
import { PhaseTimer } from '../context/phase-timer.js';
import { negotiateStartTls } from './starttls.js';
import { certExpiresInMs, conditionsAcceptNotConnected, connectionFacts, firstFailedCondition } from '../conditions.js';

function tlsOptionsOf(spec: TlsCheckSpec, clients: Clients): TlsOptions {
  return {
    servername: spec.servername ?? undefined,
    alpn: spec.alpn.length === 0 ? undefined : spec.alpn,
    secureContext: spec.verifyTls ? clients.secureContext.verify : clients.secureContext.insecure,
    rejectUnauthorized: spec.verifyTls,
    withChain: true,
  };
}

/**
 * A TLS check: dns, connect, (the STARTTLS prelude and) the handshake, then the session and
 * the certificate chain are reported and judged (verification, expiry thresholds, speed).
 * Nothing is sent over TLS. The STARTTLS prelude counts in the `tls` phase.
 */
export async function executeTlsCheck(spec: TlsCheckSpec, clients: Clients, options: ExecuteOptions): Promise<CheckResult> {
  const startedAt = Date.now();
  const timer = new PhaseTimer();
  const ctx = new CheckContext(timer, spec.timeoutMs);
  armBudget(ctx, clients.clock, spec.timeoutMs, options.signal);
  const target = targetOf(spec);
  const tls = tlsOptionsOf(spec, clients);
  let socket: Connection | null = null;
  try {
    if (spec.starttls === null) {
      // connect.ts reads the session and the chain (withChain) from the certificate Node parsed once.
      socket = await openConnection({ host: spec.host, port: spec.port, tls, connectTimeoutMs: spec.connectTimeoutMs }, clients, ctx);
    } else {
      socket = await openConnection({ host: spec.host, port: spec.port, tls: null, connectTimeoutMs: spec.connectTimeoutMs }, clients, ctx);
      await negotiateStartTls(socket, spec.starttls, ctx);
      socket = await upgradeToTls(socket, tls, spec.host, ctx);
    }
    const endMs = performance.now();
    const totalMs = timer.elapsedMs(endMs);
    const nowMs = Date.now();
    const failed = spec.conditions.length === 0 ? null : firstFailedCondition(spec.conditions, connectionFacts(totalMs, { connected: true, certExpiresInMs: certExpiresInMs(ctx.tls, nowMs) }));
    if (failed !== null) return buildResult({ kind: 'tls', target, startedAt, status: 'down', errorKind: 'condition_failed', detail: failed.detail, tls: ctx.tls }, timer, endMs);
    const slow = spec.degradedAfterMs !== null && totalMs > spec.degradedAfterMs;
    const speed = slow
      ? { status: 'degraded' as const, errorKind: 'slow_response' as const, detail: `TLS established in ${Math.round(totalMs)} ms, over the ${spec.degradedAfterMs} ms threshold` }
      : { status: 'up' as const, errorKind: null, detail: null };
    const verdict = withCertExpiry(speed, spec, ctx.tls, nowMs);
    return buildResult(
      { kind: 'tls', target, startedAt, status: verdict.status, errorKind: verdict.errorKind, errorPhase: verdict.errorKind === null ? null : 'tls', detail: verdict.detail, tls: ctx.tls },
      timer,
      endMs,
    );
  } catch (err) {
    const failure = classifyError(err, ctx.phase);
    if (spec.conditions.length > 0 && conditionsAcceptNotConnected(failure, spec.conditions, timer.elapsedMs())) {
      return buildResult({ kind: 'tls', target, startedAt, status: 'up', detail: `no TLS session, as the conditions expect: ${failure.detail}`, tls: ctx.tls }, timer);
    }
    return failureResult({ kind: 'tls', target, startedAt, tls: ctx.tls }, failure, timer);
  } finally {
    socket?.destroy();
    disarmBudget(ctx, clients.clock);
  }
}
