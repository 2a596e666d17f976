/**
 * Conditions: a list of assertions per target a Gatus user reads at a glance, e.g.
 * `[STATUS] == 200`, `[BODY].status == UP`, `len([BODY].items) > 0`, `[RESPONSE_TIME] < 300`,
 * `[HEADER].content-type == pat(application/json*)`, `[CERTIFICATE_EXPIRATION] > 48h`.
 * tcp, tls and dns checks take the placeholders that mean something for them
 * (PLACEHOLDERS_OF_KIND). Parsed once when the spec is defined (a SpecError names the
 * condition and the position);
 * evaluated by src/check/conditions.ts without eval. docs/checks.md has the grammar.
 */
import { SpecError } from './spec-fields.js';

const PLACEHOLDERS = ['STATUS', 'RESPONSE_TIME', 'BODY', 'HEADER', 'CERTIFICATE_EXPIRATION', 'CONNECTED', 'DNS_RCODE'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** The check kinds that take conditions (a heartbeat has nothing to assert on). */
type ConditionKind = 'http' | 'tcp' | 'tls' | 'dns';

/**
 * What each kind can assert on (Gatus's placeholders where they mean the same): a placeholder
 * outside its kind's list is a SpecError naming the condition. [CONNECTED]: the connection
 * (tcp) or the TLS session (tls) was established; [DNS_RCODE]: the answer's response code;
 * [BODY] of a dns check: the answer's values, in answer order, joined with ", ".
 */
const PLACEHOLDERS_OF_KIND: Readonly<Record<ConditionKind, readonly Placeholder[]>> = {
  http: ['STATUS', 'RESPONSE_TIME', 'BODY', 'HEADER', 'CERTIFICATE_EXPIRATION'],
  tcp: ['CONNECTED', 'RESPONSE_TIME'],
  tls: ['CONNECTED', 'RESPONSE_TIME', 'CERTIFICATE_EXPIRATION'],
  dns: ['DNS_RCODE', 'BODY', 'RESPONSE_TIME'],
};

/** One step into parsed JSON: an object key or an array index. */
export type PathStep = { readonly key: string } | { readonly index: number };

export interface PlaceholderOperand {
  readonly type: 'placeholder';
  readonly name: Placeholder;
  /** JSON path steps after [BODY], or the header name after [HEADER] (one key step) */
  readonly path: readonly PathStep[];
  /** len(…) or has(…) around it */
  readonly fn: 'len' | 'has' | null;
}

type LiteralOperand =
  | { readonly type: 'literal'; readonly text: string }
  | { readonly type: 'pattern'; readonly glob: string }
  | { readonly type: 'any'; readonly options: readonly string[] };

export type Operand = PlaceholderOperand | LiteralOperand;
type Comparator = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface Condition {
  /** the condition as written, for results and errors */
  readonly text: string;
  readonly left: Operand;
  readonly comparator: Comparator;
  readonly right: Operand;
}

const MAX_CONDITIONS = 32;
const MAX_CONDITION_CHARS = 1_000;
const MAX_PATH_STEPS = 32;
const COMPARATORS: readonly Comparator[] = ['==', '!=', '<=', '>=', '<', '>'];

class ConditionSyntax extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The comparator outside brackets, parentheses and glob text: its index and which one. */
function findComparator(text: string): { at: number; comparator: Comparator } {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0) {
      for (const comparator of COMPARATORS) {
        if (text.startsWith(comparator, i)) return { at: i, comparator };
      }
    }
  }
  throw new ConditionSyntax(0, `a comparator (one of ${COMPARATORS.join(' ')}) outside brackets`);
}

function parsePath(text: string, offset: number): PathStep[] {
  const steps: PathStep[] = [];
  let i = 0;
  while (i < text.length) {
    if (steps.length >= MAX_PATH_STEPS) throw new ConditionSyntax(offset + i, `a path of more than ${MAX_PATH_STEPS} steps`);
    if (text[i] === '.') {
      let end = i + 1;
      while (end < text.length && text[end] !== '.' && text[end] !== '[') end++;
      const key = text.slice(i + 1, end);
      if (key === '') throw new ConditionSyntax(offset + i, 'an empty key after "."');
      steps.push({ key });
      i = end;
    } else if (text[i] === '[') {
      const close = text.indexOf(']', i);
      const digits = close < 0 ? '' : text.slice(i + 1, close);
      if (!/^\d{1,9}$/.test(digits)) throw new ConditionSyntax(offset + i, 'an array index such as [0]');
      steps.push({ index: Number(digits) });
      i = close + 1;
    } else {
      throw new ConditionSyntax(offset + i, 'a path step (".key" or "[index]")');
    }
  }
  return steps;
}

function parsePlaceholder(text: string, offset: number, fn: PlaceholderOperand['fn']): PlaceholderOperand {
  const m = /^\[([A-Z_]+)\]/.exec(text);
  if (m === null) throw new ConditionSyntax(offset, `a placeholder (${PLACEHOLDERS.map((p) => `[${p}]`).join(', ')})`);
  const name = m[1] as string;
  if (!(PLACEHOLDERS as readonly string[]).includes(name)) throw new ConditionSyntax(offset, `a known placeholder, not [${name}] (${PLACEHOLDERS.map((p) => `[${p}]`).join(', ')})`);
  const rest = text.slice(m[0].length);
  const restAt = offset + m[0].length;
  if (name === 'HEADER') {
    if (!/^\.[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(rest)) throw new ConditionSyntax(restAt, 'a header name after [HEADER], e.g. [HEADER].content-type');
    return { type: 'placeholder', name, path: [{ key: rest.slice(1).toLowerCase() }], fn };
  }
  if (rest !== '' && name !== 'BODY') throw new ConditionSyntax(restAt, `nothing after [${name}]`);
  if (fn !== null && name !== 'BODY' && name !== 'HEADER') throw new ConditionSyntax(offset, `${fn}() of [BODY] or [HEADER], not [${name}]`);
  return { type: 'placeholder', name: name as Placeholder, path: parsePath(rest, restAt), fn };
}

function parseOperand(raw: string, offset: number): Operand {
  const lead = raw.length - raw.trimStart().length;
  const text = raw.trim();
  const at = offset + lead;
  if (text === '') throw new ConditionSyntax(at, 'an operand');
  const call = /^(len|has|pat|any)\((.*)\)$/s.exec(text);
  if (call !== null) {
    const fn = call[1] as 'len' | 'has' | 'pat' | 'any';
    const inner = call[2] as string;
    const innerAt = at + fn.length + 1;
    if (fn === 'pat') return { type: 'pattern', glob: inner };
    if (fn === 'any') return { type: 'any', options: inner.split(',').map((o) => o.trim()) };
    return parsePlaceholder(inner.trim(), innerAt + (inner.length - inner.trimStart().length), fn);
  }
  if (text.startsWith('[')) return parsePlaceholder(text, at, null);
  return { type: 'literal', text };
}

/** The placeholder must be one of its kind's; a dns [BODY] is text (no JSON path, no has()). */
function checkPlaceholderOfKind(text: string, left: PlaceholderOperand, kind: ConditionKind): void {
  const allowed = PLACEHOLDERS_OF_KIND[kind];
  const at = Math.max(0, text.indexOf(`[${left.name}]`));
  if (!allowed.includes(left.name)) throw new ConditionSyntax(at, `a placeholder of a ${kind} check (${allowed.map((p) => `[${p}]`).join(', ')}), not [${left.name}]`);
  if (kind === 'dns' && left.name === 'BODY' && (left.path.length > 0 || left.fn === 'has')) {
    throw new ConditionSyntax(at, 'the answer text as a whole in a dns check ([BODY] or len([BODY]): no JSON path, no has())');
  }
}

function parseCondition(text: string, kind: ConditionKind): Condition {
  if (text.length > MAX_CONDITION_CHARS) throw new ConditionSyntax(MAX_CONDITION_CHARS, `at most ${MAX_CONDITION_CHARS} characters`);
  const { at, comparator } = findComparator(text);
  const left = parseOperand(text.slice(0, at), 0);
  const right = parseOperand(text.slice(at + comparator.length), at + comparator.length);
  if (left.type !== 'placeholder') throw new ConditionSyntax(0, 'a placeholder on the left, e.g. [STATUS]');
  checkPlaceholderOfKind(text, left, kind);
  if ((left.name === 'CONNECTED' || left.name === 'DNS_RCODE') && left.fn === null && comparator !== '==' && comparator !== '!=') {
    throw new ConditionSyntax(at, `== or != with [${left.name}] (${left.name === 'CONNECTED' ? 'true or false' : 'a response code such as NOERROR'})`);
  }
  if (right.type === 'placeholder') throw new ConditionSyntax(at + comparator.length, 'a value on the right, not a placeholder');
  if ((right.type === 'pattern' || right.type === 'any') && comparator !== '==' && comparator !== '!=') {
    throw new ConditionSyntax(at, `== or != with ${right.type === 'pattern' ? 'pat()' : 'any()'}`);
  }
  if (comparator !== '==' && comparator !== '!=' && right.type === 'literal' && parseQuantity(right.text, left) === null) {
    throw new ConditionSyntax(at + comparator.length, `a number${left.name === 'CERTIFICATE_EXPIRATION' || left.name === 'RESPONSE_TIME' ? ' or a duration such as 48h or 300ms' : ''} after ${comparator}`);
  }
  return Object.freeze({ text, left, comparator, right });
}

const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A literal as a number to compare with the placeholder: plain numbers as written; for the
 * time placeholders also Go-style durations (`48h`, `1h30m`, `300ms`, and `d` for days).
 */
export function parseQuantity(text: string, left: PlaceholderOperand): number | null {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (left.name !== 'CERTIFICATE_EXPIRATION' && left.name !== 'RESPONSE_TIME') return null;
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return null;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * (DURATION_UNIT_MS[m[2] as string] ?? 0);
  return total;
}

/** No conditions (most targets): one shared frozen list. */
const NO_CONDITIONS: readonly Condition[] = Object.freeze([]);

/** Validates and parses a `conditions` list for a check kind; SpecError `conditions[i]` with the position. */
export function parseConditions(input: unknown, kind: ConditionKind = 'http'): readonly Condition[] {
  if (input === undefined || input === null) return NO_CONDITIONS;
  if (!Array.isArray(input) || input.length > MAX_CONDITIONS) throw new SpecError('conditions', `a list of at most ${MAX_CONDITIONS} conditions such as "[STATUS] == 200"`, input);
  return Object.freeze(
    input.map((text: unknown, i) => {
      if (typeof text !== 'string') throw new SpecError(`conditions[${i}]`, 'a condition string such as "[STATUS] == 200"', text);
      try {
        return parseCondition(text, kind);
      } catch (err) {
        if (!(err instanceof ConditionSyntax)) throw err;
        throw new SpecError(`conditions[${i}]`, `${err.reason} at position ${err.position}`, text);
      }
    }),
  );
}

/** Does any condition read this placeholder? (the body is read, headers kept, only when one does) */
export function conditionsRead(conditions: readonly Condition[], name: Placeholder): boolean {
  return conditions.some((c) => c.left.type === 'placeholder' && c.left.name === name);
}

/**
 * The response header names (lower case) the conditions read: what an engine must keep besides
 * the ones the check itself reads. null when none, so the common path tests one null.
 */
export function headerNamesRead(conditions: readonly Condition[]): ReadonlySet<string> | null {
  const names = new Set<string>();
  for (const c of conditions) {
    const step = c.left.type === 'placeholder' && c.left.name === 'HEADER' ? c.left.path[0] : undefined;
    if (step !== undefined && 'key' in step) names.add(step.key);
  }
  return names.size === 0 ? null : names;
}
