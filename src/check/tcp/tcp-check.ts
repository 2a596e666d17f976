import type { CheckResult } from '../../domain/check-result.js';
import { targetOf, type TcpCheckSpec } from '../../domain/check-spec.js';
import type { Clients } from '../clients.js';
import type { ExecuteOptions } from '../index.js';
import { armBudget, disarmBudget } from '../context/budget.js';
import { classifyError } from '../errors/classify.js';
import { closeNow, openFreshPlain } from '../net/connect.js';
import { CheckContext } from '../context/check-context.js';
import { buildResult, failureResult } from '../result-builder.js';
import { PhaseTimer } from '../context/phase-timer.js';
import { conditionsAcceptNotConnected, connectionFacts, firstFailedCondition } from '../conditions.js';

/** A TCP connect check: dns (unless an IP literal) and connect, nothing sent. */
export async function executeTcpCheck(spec: TcpCheckSpec, clients: Clients, options: ExecuteOptions): Promise<CheckResult> {
  const startedAt = Date.now();
  const timer = new PhaseTimer();
  const ctx = new CheckContext(timer, spec.timeoutMs);
  armBudget(ctx, clients.clock, spec.timeoutMs, options.signal);
  const target = targetOf(spec);
  try {
    // On libuv's TCP handle when the clients have it, as a fresh plain HTTP/1.1 check (net/raw-tcp.ts).
    closeNow(await openFreshPlain({ host: spec.host, port: spec.port, tls: null, connectTimeoutMs: spec.connectTimeoutMs }, clients, ctx));
    const totalMs = timer.elapsedMs();
    const failed = spec.conditions.length === 0 ? null : firstFailedCondition(spec.conditions, connectionFacts(totalMs, { connected: true }));
    if (failed !== null) return buildResult({ kind: 'tcp', target, startedAt, status: 'down', errorKind: 'condition_failed', detail: failed.detail }, timer);
    const slow = spec.degradedAfterMs !== null && totalMs > spec.degradedAfterMs;
    return buildResult(
      {
        kind: 'tcp',
        target,
        startedAt,
        status: slow ? 'degraded' : 'up',
        errorKind: slow ? 'slow_response' : null,
        errorPhase: slow ? 'connect' : null,
        detail: slow ? `connected in ${Math.round(totalMs)} ms, over the ${spec.degradedAfterMs} ms threshold` : null,
      },
      timer,
    );
  } catch (err) {
    const failure = classifyError(err, ctx.phase);
    // The peer completed the handshake and reset at once (connect.ts then moves to `send`):
    // the port accepts connections, which is all a TCP check asserts.
    if (failure.kind === 'connection_reset' && failure.phase === 'send') {
      return buildResult({ kind: 'tcp', target, startedAt, status: 'up', detail: 'connection accepted, then reset by the peer' }, timer);
    }
    if (spec.conditions.length > 0 && conditionsAcceptNotConnected(failure, spec.conditions, timer.elapsedMs())) {
      return buildResult({ kind: 'tcp', target, startedAt, status: 'up', detail: `not connected, as the conditions expect: ${failure.detail}` }, timer);
    }
    return failureResult({ kind: 'tcp', target, startedAt }, failure, timer);
  } finally {
    disarmBudget(ctx, clients.clock);
  }
}
