import { isIP } from 'node:net';
import type { Answer, DecodedPacket } from 'dns-packet';
import { DNS_RCODES, type DnsCheckSpec, type DnsRcode, type DnsRecordType } from '../../domain/dns-check-spec.js';

/** At most this many answer values are quoted in a result's detail. */
const MAX_VALUES_SHOWN = 10;
const MAX_VALUE_CHARS = 200;

function bareName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** An IP literal in one form (IPv6 compressed, lowercase), so "2001:DB8::0001" equals "2001:db8::1". */
function canonicalIp(text: string): string {
  if (isIP(text) !== 6) return text;
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return text;
  }
}

function txtText(data: unknown): string {
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : String(p))).join('');
}

/** The text form of one record's data (docs/checks.md lists each type's form). */
function valueOf(answer: Answer): string | null {
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return canonicalIp(answer.data);
    case 'CNAME':
    case 'NS':
      return bareName(answer.data);
    case 'MX':
      return `${answer.data.preference ?? 0} ${bareName(answer.data.exchange)}`;
    case 'TXT':
      return txtText(answer.data);
    case 'SOA': {
      const d = answer.data;
      return `${bareName(d.mname)} ${bareName(d.rname)} ${d.serial ?? 0} ${d.refresh ?? 0} ${d.retry ?? 0} ${d.expire ?? 0} ${d.minimum ?? 0}`;
    }
    case 'CAA':
      return `${answer.data.flags ?? 0} ${answer.data.tag} ${answer.data.value}`;
    case 'SRV':
      return `${answer.data.priority ?? 0} ${answer.data.weight ?? 0} ${answer.data.port} ${bareName(answer.data.target)}`;
    default:
      return null;
  }
}

/** An expected value in the same form as `valueOf`'s, so the user may write names with a trailing dot or in capitals. */
function canonicalExpected(type: DnsRecordType, text: string): string {
  const trimmed = text.trim();
  switch (type) {
    case 'A':
    case 'AAAA':
      return canonicalIp(trimmed);
    case 'CNAME':
    case 'NS':
      return bareName(trimmed);
    case 'MX':
    case 'SRV':
    case 'SOA':
      return trimmed.split(/\s+/).map(bareName).join(' ');
    case 'CAA':
      return trimmed.split(/\s+/).join(' ');
    case 'TXT':
      return text;
  }
}

/** The answers of the asked type (a CNAME chain in front of an A answer is left out), in text form. */
export function answerValues(packet: DecodedPacket, type: DnsRecordType): string[] {
  const out: string[] = [];
  for (const answer of packet.answers ?? []) {
    if (answer.type !== type) continue;
    const value = valueOf(answer);
    if (value !== null) out.push(value);
  }
  return out;
}

export function rcodeOf(packet: DecodedPacket): DnsRcode | `RCODE${number}` {
  const code = (packet.flags ?? 0) & 0x0f;
  return DNS_RCODES[code] ?? `RCODE${code}`;
}

/** Does the packet answer our question (name case-insensitively: resolvers may use 0x20 casing)? */
export function answersQuestion(packet: DecodedPacket, spec: DnsCheckSpec): boolean {
  const question = packet.questions?.[0];
  return question !== undefined && question.type === spec.recordType && bareName(question.name) === spec.name;
}

export function quoteValues(values: readonly string[]): string {
  const shown = values.slice(0, MAX_VALUES_SHOWN).map((v) => JSON.stringify(v.length > MAX_VALUE_CHARS ? `${v.slice(0, MAX_VALUE_CHARS)}…` : v));
  const more = values.length > MAX_VALUES_SHOWN ? `, … (${values.length} in all)` : '';
  return `[${shown.join(', ')}${more}]`;
}

/** null when the answers satisfy the spec's assertions, else what is wrong. */
export function answerMismatch(spec: DnsCheckSpec, values: readonly string[]): string | null {
  const got = new Set(values);
  const missing = spec.answerContains.map((v) => canonicalExpected(spec.recordType, v)).filter((v) => !got.has(v));
  if (missing.length > 0) return `${spec.recordType} answer ${quoteValues(values)} lacks ${quoteValues(missing)}`;
  if (spec.answerEquals !== null) {
    const want = new Set(spec.answerEquals.map((v) => canonicalExpected(spec.recordType, v)));
    const isEqual = want.size === got.size && [...want].every((v) => got.has(v));
    if (!isEqual) return `${spec.recordType} answer ${quoteValues(values)} is not exactly ${quoteValues([...want])}`;
  }
  return null;
}
