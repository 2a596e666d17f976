/**
 * `bodyRegex` runs in RE2's linear-time engine (re2js, a pure-JS port of RE2/J), never in
 * V8's backtracking one: a pattern such as `^(a+)+$` costs time proportional to the body,
 * not exponential in it, so no API client can freeze the daemon with one. The syntax is
 * RE2's: everything a status-page assertion needs (classes, alternation, repeats, anchors,
 * `(?i)`), but no backreferences and no lookaround — those are refused when the spec is
 * defined, naming the field.
 */
import { RE2JS } from 're2js';

/** longest pattern accepted (compiling is linear in it too, ≈ 3 ms per 1,000 characters) */
export const BODY_PATTERN_MAX_CHARS = 1_000;
/** the pattern is evaluated against at most this many leading characters of the decoded body */
export const BODY_PATTERN_MAX_INPUT_CHARS = 1 << 20;

export interface BodyPattern {
  /** true when the pattern matches somewhere in (the first 1 Mi characters of) text */
  test(text: string): boolean;
}

/** Compiles a pattern; throws an Error whose message says why RE2 refused it. */
export function compileBodyPattern(source: string): BodyPattern {
  if (source.length > BODY_PATTERN_MAX_CHARS) throw new Error(`longer than ${BODY_PATTERN_MAX_CHARS} characters`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    throw new Error(err instanceof Error ? err.message : String(err));
  }
  return {
    test: (text) => re.test(text.length > BODY_PATTERN_MAX_INPUT_CHARS ? text.slice(0, BODY_PATTERN_MAX_INPUT_CHARS) : text),
  };
}
