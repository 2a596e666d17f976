import { randomInt } from 'node:crypto';
import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import { decode, encode, RECURSION_DESIRED, type DecodedPacket } from 'dns-packet';
import type { CheckResult } from '../../domain/check-result.js';
import { targetOf, type DnsCheckSpec } from '../../domain/check-spec.js';
import type { Clients } from '../clients.js';
import type { ExecuteOptions } from '../index.js';
import { armBudget, disarmBudget } from '../context/budget.js';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import { CheckContext } from '../context/check-context.js';
import { buildResult, failureResult } from '../result-builder.js';
import { PhaseTimer } from '../context/phase-timer.js';
import { answerMismatch, answersQuestion, answerValues, quoteValues, rcodeOf } from './dns-answer.js';
import { queryTcp, queryUdp, type DnsServerAddress } from './dns-exchange.js';
import { connectionFacts, firstFailedCondition } from '../conditions.js';

/** The system's first resolver (`/etc/resolv.conf` via c-ares), as `address` + `port`. */
function systemServer(): DnsServerAddress | null {
  const first = getServers()[0];
  if (first === undefined) return null;
  if (isIP(first) !== 0) return { address: first, port: 53 };
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(first);
  return m === null ? null : { address: m[1] as string, port: Number(m[2]) };
}

function serverOf(spec: DnsCheckSpec, clients: Clients): DnsServerAddress {
  if (spec.server === null) {
    const system = systemServer();
    if (system === null) throw new CheckFailure('dns_failed', 'dns', 'no system DNS server is configured (set "server")');
    return system;
  }
  // The configured server is where the packets go: the SSRF guard judges it like any target.
  const range = clients.allowPrivateTargets ? null : clients.guard.blockedRange(spec.server);
  if (range !== null) throw new CheckFailure('address_not_allowed', 'dns', `DNS server ${spec.server} is in ${range} (allowPrivateTargets is off)`);
  return { address: spec.server, port: spec.port };
}

function decodeAnswer(message: Buffer, spec: DnsCheckSpec, transport: string): DecodedPacket {
  let packet: DecodedPacket;
  try {
    packet = decode(message);
  } catch (err) {
    throw new CheckFailure('dns_invalid_response', 'dns', `the ${transport} answer could not be parsed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!answersQuestion(packet, spec)) {
    const q = packet.questions?.[0];
    throw new CheckFailure('dns_invalid_response', 'dns', `the ${transport} answer is about ${q === undefined ? 'no question' : `${q.name} ${q.type}`}, not ${spec.name} ${spec.recordType}`);
  }
  return packet;
}

/** UDP first; a truncated answer (TC) is asked again over TCP (RFC 7766). */
async function ask(spec: DnsCheckSpec, server: DnsServerAddress, ctx: CheckContext): Promise<{ packet: DecodedPacket; overTcp: boolean }> {
  const id = randomInt(0, 65_536);
  const query = encode({ type: 'query', id, flags: RECURSION_DESIRED, questions: [{ type: spec.recordType, name: spec.name, class: 'IN' }] });
  const udp = decodeAnswer(await queryUdp(server, query, id, ctx), spec, 'UDP');
  if (!udp.flag_tc) return { packet: udp, overTcp: false };
  const tcp = decodeAnswer(await queryTcp(server, query, id, ctx), spec, 'TCP');
  return { packet: tcp, overTcp: true };
}

/**
 * A DNS check: one question to one server (UDP, TCP after truncation), its response code and
 * answers judged. Phases: `dnsMs` (question sent → answer decoded, the TCP retry included)
 * and `totalMs`.
 */
export async function executeDnsCheck(spec: DnsCheckSpec, clients: Clients, options: ExecuteOptions): Promise<CheckResult> {
  const startedAt = Date.now();
  const timer = new PhaseTimer();
  const ctx = new CheckContext(timer, spec.timeoutMs);
  armBudget(ctx, clients.clock, spec.timeoutMs, options.signal);
  const target = targetOf(spec);
  try {
    ctx.phase = 'dns';
    const server = serverOf(spec, clients);
    timer.mark('dnsStart');
    const { packet, overTcp } = await ask(spec, server, ctx);
    const endMs = performance.now();
    timer.mark('dnsEnd', endMs);
    const rcode = rcodeOf(packet);
    const values = answerValues(packet, spec.recordType);
    const via = overTcp ? ' (over TCP: the UDP answer was truncated)' : '';
    const base = { kind: 'dns' as const, target, startedAt };
    const fail = (errorKind: 'dns_unexpected_rcode' | 'dns_unexpected_answer' | 'dns_no_record', detail: string): CheckResult =>
      buildResult({ ...base, status: 'down', errorKind, errorPhase: 'dns', detail: `${detail}${via}` }, timer, endMs);
    if (!(spec.expectRcode as readonly string[]).includes(rcode)) return fail('dns_unexpected_rcode', `rcode ${rcode}, expected ${spec.expectRcode.join(' or ')}`);
    const mismatch = answerMismatch(spec, values);
    if (mismatch !== null) return fail('dns_unexpected_answer', mismatch);
    // Conditions are an assertion on the answer too: an empty one is theirs to judge.
    const isAsserted = spec.answerContains.length > 0 || spec.answerEquals !== null || spec.conditions.length > 0;
    if (rcode === 'NOERROR' && values.length === 0 && !isAsserted) return fail('dns_no_record', `NOERROR without ${spec.recordType} records (no data)`);
    const totalMs = timer.elapsedMs(endMs);
    if (spec.conditions.length > 0) {
      const failed = firstFailedCondition(spec.conditions, connectionFacts(totalMs, { dnsRcode: rcode, body: Buffer.from(values.join(', '), 'utf8') }));
      if (failed !== null) return buildResult({ ...base, status: 'down', errorKind: 'condition_failed', errorPhase: null, detail: `${failed.detail}${via}` }, timer, endMs);
    }
    const slow = spec.degradedAfterMs !== null && totalMs > spec.degradedAfterMs;
    const answer = `${rcode} ${spec.recordType} ${quoteValues(values)}${via}`;
    return buildResult(
      {
        ...base,
        status: slow ? 'degraded' : 'up',
        errorKind: slow ? 'slow_response' : null,
        errorPhase: slow ? 'dns' : null,
        detail: slow ? `answered in ${Math.round(totalMs)} ms, over the ${spec.degradedAfterMs} ms threshold: ${answer}` : answer,
      },
      timer,
      endMs,
    );
  } catch (err) {
    return failureResult({ kind: 'dns', target, startedAt }, classifyError(err, ctx.phase), timer);
  } finally {
    disarmBudget(ctx, clients.clock);
  }
}
