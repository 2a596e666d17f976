import type { z } from 'zod';
import type { FieldError } from '../daemon/daemon-handle.js';

/** Turns zod issues into FieldErrors with dotted paths (`check.url`, `tags.0`). */
export function issuesToFieldErrors(target: string | null, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys;
      const field = [...path, keys[0] ?? ''].join('.');
      return { target, field, message: `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}` };
    }
    // zod does not keep the input in its issues; "received undefined" is how it says a field is missing.
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      return { target, field: path.length === 0 ? '(root)' : path.join('.'), message: `required: expected ${issue.expected}` };
    }
    if (issue.code === 'invalid_union' && path.length === 0) {
      return { target, field: '(root)', message: issue.message };
    }
    return { target, field: path.length === 0 ? '(root)' : path.join('.'), message: issue.message };
  });
}
