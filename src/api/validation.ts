import { z } from 'zod';
import { ApiError, type ApiErrorCode, type ApiFieldProblem } from './api-error.js';
import type { FieldError } from '../daemon/daemon-handle.js';
import { formatFieldPath } from '../config/zod-errors.js';

/**
 * Turns zod issues into one 400 ApiError. The first issue decides `code` and `field`;
 * every issue is listed in `details`. `where` prefixes field paths for query strings.
 */
function zodError(issues: readonly z.core.$ZodIssue[], where: 'body' | 'query'): ApiError {
  const problems = issues.map((issue) => describeIssue(issue, where));
  const first = problems[0] ?? { code: 'invalid_body' as const, field: '(root)', message: 'invalid request' };
  return new ApiError(400, first.code, `${first.field}: ${first.message}`, first.field, {}, problems.map(({ field, message }) => ({ field, message })));
}

function describeIssue(issue: z.core.$ZodIssue, where: 'body' | 'query'): ApiFieldProblem & { code: ApiErrorCode } {
  const path = issue.path;
  const fieldOf = (parts: readonly PropertyKey[]): string => (parts.length === 0 ? '(root)' : formatFieldPath(parts));
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const noun = where === 'query' ? 'query parameter' : 'field';
    return { code: 'unknown_field', field: fieldOf([...path, key]), message: `unknown ${noun}${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` };
  }
  if (issue.code === 'invalid_type') {
    const isMissing = /received undefined$/.test(issue.message);
    return { code: isMissing ? 'missing_field' : 'invalid_type', field: fieldOf(path), message: isMissing ? `required; expected ${issue.expected}` : issue.message };
  }
  return { code: where === 'query' ? 'invalid_query' : 'invalid_field', field: fieldOf(path), message: issue.message };
}

/** Parses with a zod schema or throws the matching 400. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query'): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw zodError(parsed.error.issues, where);
  return parsed.data;
}

/** Turns the daemon's field errors (semantic validation) into one 400. */
export function fieldErrorsToApiError(errors: readonly FieldError[], code: ApiErrorCode = 'invalid_field', status = 400): ApiError {
  const first = errors[0];
  if (first === undefined) return new ApiError(status, code, 'invalid target');
  const isUnknown = first.message.startsWith('unknown field');
  return new ApiError(
    status,
    code === 'invalid_field' && isUnknown ? 'unknown_field' : code,
    `${first.field}: ${first.message}`,
    first.field,
    {},
    errors.map((e) => ({ field: e.field, message: e.message })),
  );
}

/** Query strings as a plain object; a repeated parameter becomes an array. */
export function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    out[key] = all.length === 1 ? (all[0] ?? '') : all;
  }
  return out;
}

/** An epoch-ms integer or an ISO-8601 date-time, from a query string. */
export const timeParam = z.string().transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) : /^\d{4}-\d\d-\d\dT/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isSafeInteger(ms)) {
    ctx.addIssue({ code: 'custom', message: `expected epoch milliseconds or an ISO-8601 date-time, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return ms;
});

export const limitParam = z.string().transform((text, ctx) => {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    ctx.addIssue({ code: 'custom', message: `expected an integer from 1 to 1000, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return n;
});
