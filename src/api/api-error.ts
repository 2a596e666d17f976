/**
 * Every error the API returns has this shape: `{ "error": { code, message, field? } }`.
 * `code` is a stable snake_case string clients can switch on; `message` is for humans;
 * `field` names the offending input (a dotted path such as `spec.url`) when there is one.
 */
import { redactText } from '../domain/redact.js';

export type ApiErrorCode =
  | 'invalid_json'
  | 'invalid_body'
  | 'invalid_field'
  | 'invalid_type'
  | 'unknown_field'
  | 'missing_field'
  | 'invalid_query'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'cross_origin'
  | 'misdirected_host'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'rate_limited'
  | 'read_only'
  | 'not_ready'
  | 'internal';

/** One refused field when a request has several problems. */
export interface ApiFieldProblem {
  readonly field: string;
  readonly message: string;
}

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; field?: string; details?: readonly ApiFieldProblem[] };
}

/** A request the API refuses. Route handlers throw it; the server turns it into JSON. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
    /** extra response headers (Allow on 405, WWW-Authenticate on 401) */
    readonly headers: Readonly<Record<string, string>> = {},
    /** every problem when there are several (the first is also in message/field) */
    readonly details: readonly ApiFieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: redactText(this.message),
        ...(this.field === undefined ? {} : { field: this.field }),
        ...(this.details.length > 1 ? { details: this.details.map((d) => ({ field: d.field, message: redactText(d.message) })) } : {}),
      },
    };
  }
}

export function notFound(what: string): ApiError {
  return new ApiError(404, 'not_found', `${what} not found`);
}
