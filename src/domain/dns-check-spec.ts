import { budgets, hostField, hostPort, optionalMs, positiveInt, SpecError } from './spec-fields.js';
import { conditionsRead, parseConditions, type Condition } from './conditions.js';

/** The record types a `dns` check can ask for. */
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'CAA', 'SRV'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** Response codes by number (RFC 1035 4.1.1, RFC 2136, RFC 6895). */
export const DNS_RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'] as const;
export type DnsRcode = (typeof DNS_RCODES)[number];

/** A DNS check: one question to one server, its rcode and answer judged. */
export interface DnsCheckSpec {
  readonly kind: 'dns';
  /** the name asked about, lowercase, without the trailing dot */
  readonly name: string;
  readonly recordType: DnsRecordType;
  /** the server's IP literal; null: the system's first configured resolver */
  readonly server: string | null;
  readonly port: number;
  /** the rcodes that count as healthy (default NOERROR) */
  readonly expectRcode: readonly DnsRcode[];
  /** each of these values must be among the answers (text form, docs/checks.md) */
  readonly answerContains: readonly string[];
  /** the answers must be exactly these values, in any order; null: not asserted */
  readonly answerEquals: readonly string[] | null;
  readonly degradedAfterMs: number | null;
  readonly timeoutMs: number;
  /** [DNS_RCODE], [BODY] (the answer values), [RESPONSE_TIME]; parsed once (src/domain/conditions.ts) */
  readonly conditions: readonly Condition[];
}

export type DnsCheckInput = {
  kind: 'dns';
  name: string;
  recordType?: DnsRecordType;
  server?: string | null;
  port?: number;
  expectRcode?: DnsRcode | readonly DnsRcode[];
  answerContains?: readonly string[];
  answerEquals?: readonly string[] | null;
  degradedAfterMs?: number | null;
  timeoutMs?: number;
  conditions?: readonly string[];
};

const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;
const MAX_EXPECTED_VALUES = 64;

/** A DNS name: labels of letters, digits, `-` and `_` (SRV, DKIM), at most 253 characters. */
function dnsName(field: string, value: unknown): string {
  const form = 'a DNS name such as example.com (labels of letters, digits, "-" or "_", at most 253 characters)';
  if (typeof value !== 'string') throw new SpecError(field, form, value);
  const bare = value.endsWith('.') ? value.slice(0, -1) : value;
  if (bare.length === 0 || bare.length > 253 || !bare.split('.').every((label) => LABEL.test(label))) throw new SpecError(field, form, value);
  return bare.toLowerCase();
}

function values(field: string, input: readonly string[] | undefined): readonly string[] {
  if (input === undefined) return Object.freeze([]);
  if (!Array.isArray(input) || input.length > MAX_EXPECTED_VALUES) throw new SpecError(field, `a list of at most ${MAX_EXPECTED_VALUES} record values`, input);
  return Object.freeze(
    input.map((v, i) => {
      if (typeof v !== 'string' || v === '' || v.length > 4096) throw new SpecError(`${field}[${i}]`, 'a record value in text form (1-4096 characters)', v);
      return v;
    }),
  );
}

function rcodes(input: DnsCheckInput['expectRcode'], isJudgedByConditions: boolean): readonly DnsRcode[] {
  // A condition on [DNS_RCODE] is the rcode assertion: the default NOERROR would judge first.
  if (input === undefined && isJudgedByConditions) return DNS_RCODES;
  const list = input === undefined ? ['NOERROR'] : typeof input === 'string' ? [input] : input;
  const form = `one of ${DNS_RCODES.join(', ')} (or a list of them)`;
  if (!Array.isArray(list) || list.length === 0) throw new SpecError('expectRcode', form, input);
  return Object.freeze(
    list.map((code: unknown) => {
      const upper = typeof code === 'string' ? code.toUpperCase() : code;
      if (!(DNS_RCODES as readonly unknown[]).includes(upper)) throw new SpecError('expectRcode', form, code);
      return upper as DnsRcode;
    }),
  );
}

export function defineDnsCheck(input: DnsCheckInput): DnsCheckSpec {
  const recordType = input.recordType ?? 'A';
  if (!(DNS_RECORD_TYPES as readonly string[]).includes(recordType)) throw new SpecError('recordType', `one of ${DNS_RECORD_TYPES.join(', ')}`, recordType);
  let server: string | null = null;
  if (input.server !== undefined && input.server !== null) {
    server = hostField('server', input.server);
    // An IP literal: resolving the resolver's own name would need the resolver.
    if (!/^[\d.]+$/.test(server) && !server.includes(':')) throw new SpecError('server', 'the DNS server\'s IP address (IPv4 or IPv6 literal)', input.server);
  }
  const { timeoutMs } = budgets(input);
  const conditions = parseConditions(input.conditions, 'dns');
  return Object.freeze({
    kind: 'dns',
    name: dnsName('name', input.name),
    recordType,
    server,
    port: positiveInt('port', input.port ?? 53, 1, 65535),
    expectRcode: rcodes(input.expectRcode, conditionsRead(conditions, 'DNS_RCODE')),
    answerContains: values('answerContains', input.answerContains),
    answerEquals: input.answerEquals === undefined || input.answerEquals === null ? null : values('answerEquals', input.answerEquals),
    degradedAfterMs: optionalMs('degradedAfterMs', input.degradedAfterMs),
    timeoutMs,
    conditions,
  });
}

/**
 * The RFC 4501 URI of the question: `dns://server:port/name?type=MX`, or `dns:name?type=MX`
 * when the system's resolver is asked. No spaces, like every target string.
 */
export function dnsTargetOf(spec: DnsCheckSpec): string {
  const query = `${spec.name}?type=${spec.recordType}`;
  if (spec.server === null) return `dns:${query}`;
  return `dns://${hostPort(spec.server, spec.port)}/${query}`;
}
