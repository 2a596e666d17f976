import { conditionsRead, parseQuantity, type Condition, type Operand, type PathStep, type PlaceholderOperand } from '../domain/conditions.js';
import type { TlsInfo } from '../domain/check-result.js';
import { ERROR_FAMILY } from '../domain/error-kind.js';
import type { CheckFailure } from './errors/check-failure.js';

/** What a condition can read about a completed exchange. */
export interface ConditionFacts {
  readonly statusCode: number | null;
  readonly responseTimeMs: number;
  /** the decoded body; null when it was not read */
  readonly body: Buffer | null;
  /** a response header (name lower-case); null: the response's headers are not available */
  header(name: string): string | undefined | null;
  /** ms until the chain's earliest expiry; null without TLS */
  readonly certExpiresInMs: number | null;
  /** tcp: the connection, tls: the TLS session was established; null: not a connection check */
  readonly connected: boolean | null;
  /** a dns answer's response code (NOERROR, NXDOMAIN, …); null: not a dns check */
  readonly dnsRcode: string | null;
}

/** The facts of a check that has no HTTP exchange (tcp, tls, dns): the rest is added by the caller. */
export function connectionFacts(responseTimeMs: number, extra: Partial<Pick<ConditionFacts, 'body' | 'certExpiresInMs' | 'connected' | 'dnsRcode'>>): ConditionFacts {
  return { statusCode: null, responseTimeMs, body: null, header: () => null, certExpiresInMs: null, connected: null, dnsRcode: null, ...extra };
}

/** ms from `nowMs` to the chain's earliest expiry; null without a certificate. */
export function certExpiresInMs(tls: TlsInfo | null, nowMs: number): number | null {
  const expiresAt = tls?.chainExpiresAt ?? null;
  return expiresAt === null ? null : Date.parse(expiresAt) - nowMs;
}

/**
 * A tcp or tls check that could not connect, whose conditions say so is fine: with a
 * condition on [CONNECTED] (`[CONNECTED] == false`, a port that must stay closed), a transport
 * failure is judged by the conditions instead of failing the check. True when they all hold.
 */
export function conditionsAcceptNotConnected(failure: CheckFailure, conditions: readonly Condition[], responseTimeMs: number): boolean {
  // Only a failure to reach the peer: a refusal by policy (SSRF guard), a certificate verdict
  // or the probe's own trouble is not "not connected".
  if (ERROR_FAMILY[failure.kind] !== 'transport' || failure.kind === 'circuit_open') return false;
  if (!conditionsRead(conditions, 'CONNECTED')) return false;
  return firstFailedCondition(conditions, connectionFacts(responseTimeMs, { connected: false })) === null;
}

export interface ConditionFailure {
  readonly condition: Condition;
  readonly detail: string;
}

/** Parsed JSON nested deeper than this is refused (JSON.parse itself copes; the cost and the value's rendering do not). */
const MAX_JSON_DEPTH = 128;
const MAX_SHOWN_CHARS = 200;
const NO_VALUE = Symbol('no value');
type Value = unknown;

/** Linear scan for the nesting depth of a JSON text (brackets outside strings). */
function jsonDepthOver(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

class BodyJson {
  private parsed: { value: unknown } | { error: string } | null = null;
  constructor(private readonly body: Buffer | null) {}

  get(): { value: unknown } | { error: string } {
    if (this.parsed !== null) return this.parsed;
    if (this.body === null) return (this.parsed = { error: 'the body was not read' });
    const text = this.body.toString('utf8');
    if (jsonDepthOver(text, MAX_JSON_DEPTH)) return (this.parsed = { error: `the body's JSON is nested deeper than ${MAX_JSON_DEPTH} levels` });
    try {
      return (this.parsed = { value: JSON.parse(text) as unknown });
    } catch {
      return (this.parsed = { error: 'the body is not JSON' });
    }
  }
}

function walk(value: unknown, path: readonly PathStep[]): unknown {
  let current = value;
  for (const step of path) {
    if ('index' in step) {
      if (!Array.isArray(current) || step.index >= current.length) return NO_VALUE;
      current = current[step.index];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, step.key)) return NO_VALUE;
      current = (current as Record<string, unknown>)[step.key];
    }
  }
  return current;
}

function describe(op: PlaceholderOperand): string {
  const path = op.path.map((s) => ('index' in s ? `[${s.index}]` : `.${s.key}`)).join('');
  const inner = `[${op.name}]${path}`;
  return op.fn === null ? inner : `${op.fn}(${inner})`;
}

/** The placeholder's value; a string reason when there is none to compare. */
function resolve(op: PlaceholderOperand, facts: ConditionFacts, json: BodyJson): { value: Value } | { missing: string } {
  let value: Value;
  switch (op.name) {
    case 'STATUS':
      if (facts.statusCode === null) return { missing: 'no status code' };
      return { value: facts.statusCode };
    case 'RESPONSE_TIME':
      return { value: Math.round(facts.responseTimeMs) };
    case 'CERTIFICATE_EXPIRATION':
      if (facts.certExpiresInMs === null) return { missing: 'no TLS certificate' };
      return { value: facts.certExpiresInMs };
    case 'CONNECTED':
      if (facts.connected === null) return { missing: 'not a connection check' };
      return { value: facts.connected };
    case 'DNS_RCODE':
      if (facts.dnsRcode === null) return { missing: 'no DNS answer' };
      return { value: facts.dnsRcode };
    case 'HEADER': {
      const step = op.path[0];
      const got = facts.header(step !== undefined && 'key' in step ? step.key : '');
      if (got === null) return { missing: 'the response headers were not kept' };
      value = got === undefined ? NO_VALUE : got;
      break;
    }
    case 'BODY': {
      if (op.path.length === 0) {
        if (facts.body === null) return { missing: 'the body was not read' };
        value = facts.body.toString('utf8');
        break;
      }
      const parsed = json.get();
      if ('error' in parsed) return { missing: parsed.error };
      value = walk(parsed.value, op.path);
      break;
    }
  }
  if (op.fn === 'has') return { value: value !== NO_VALUE };
  if (value === NO_VALUE) return { missing: 'absent' };
  if (op.fn === 'len') {
    if (typeof value === 'string' || Array.isArray(value)) return { value: value.length };
    if (value !== null && typeof value === 'object') return { value: Object.keys(value).length };
    return { missing: `len() of a ${value === null ? 'null' : typeof value}` };
  }
  return { value };
}

/** KMP search for `pattern` in text[from, to): linear, no backtracking over the text. */
function indexOfLinear(text: string, pattern: string, from: number, to: number): number {
  const fail = new Int32Array(pattern.length);
  for (let i = 1, k = 0; i < pattern.length; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = fail[k - 1] as number;
    if (pattern[i] === pattern[k]) k++;
    fail[i] = k;
  }
  for (let i = from, k = 0; i < to; i++) {
    while (k > 0 && text[i] !== pattern[k]) k = fail[k - 1] as number;
    if (text[i] === pattern[k]) k++;
    if (k === pattern.length) return i - k + 1;
  }
  return -1;
}

/**
 * `*` matches any run of characters (Gatus's pat()). The literal parts between stars are
 * found leftmost, in order — which is exact for star-only globs — each by a linear search
 * starting where the previous ended: O(text + glob) in all, whatever the pattern.
 */
export function globMatches(glob: string, text: string): boolean {
  const parts = glob.split('*');
  if (parts.length === 1) return glob === text;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let pos = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    if (part === '') continue;
    const at = indexOfLinear(text, part, pos, end);
    if (at < 0) return false;
    pos = at + part.length;
  }
  return true;
}

function asText(value: Value): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '(a value too large or deep to show)';
  }
}

function shown(value: Value): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : asText(value);
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
}

function equalsLiteral(value: Value, literal: string, left: PlaceholderOperand): boolean {
  const quantity = parseQuantity(literal, left);
  if (typeof value === 'number' && quantity !== null) return value === quantity;
  return asText(value) === literal;
}

function holds(condition: Condition, value: Value): boolean {
  const { comparator, right, left } = condition;
  const l = left as PlaceholderOperand;
  if (comparator === '==' || comparator === '!=') {
    const isEqual = matchesRight(right, value, l);
    return comparator === '==' ? isEqual : !isEqual;
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  const limit = right.type === 'literal' ? parseQuantity(right.text, l) : null;
  if (Number.isNaN(n) || limit === null) return false;
  switch (comparator) {
    case '<': return n < limit;
    case '<=': return n <= limit;
    case '>': return n > limit;
    case '>=': return n >= limit;
  }
}

function matchesRight(right: Operand, value: Value, left: PlaceholderOperand): boolean {
  if (right.type === 'pattern') return globMatches(right.glob, asText(value));
  if (right.type === 'any') return right.options.some((o) => equalsLiteral(value, o, left));
  if (right.type === 'literal') return equalsLiteral(value, right.text, left);
  return false;
}

/** The first condition that does not hold, with the value it saw; null when all hold. */
export function firstFailedCondition(conditions: readonly Condition[], facts: ConditionFacts): ConditionFailure | null {
  const json = new BodyJson(facts.body);
  for (const condition of conditions) {
    const left = condition.left as PlaceholderOperand;
    const got = resolve(left, facts, json);
    if ('missing' in got) {
      // An absent value fails every comparison but "!=" (Gatus: a missing key is not equal).
      if (condition.comparator === '!=' ) continue;
      return { condition, detail: `condition ${JSON.stringify(condition.text)} failed: ${describe(left)} has no value (${got.missing})` };
    }
    if (!holds(condition, got.value)) {
      return { condition, detail: `condition ${JSON.stringify(condition.text)} failed: ${describe(left)} is ${shown(got.value)}` };
    }
  }
  return null;
}
