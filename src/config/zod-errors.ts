import type { z } from 'zod';
import type { FieldError } from '../daemon/daemon-handle.js';

/**
 * A field path in the one form every error uses: names joined by dots, list indices in
 * brackets (`check.url`, `tags[0]`, `alerts.webhooks[0].secret`).
 */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Turns zod issues into FieldErrors with paths in the one form (`check.url`, `tags[0]`). */
export function issuesToFieldErrors(target: string | null, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys;
      const field = formatFieldPath([...path, keys[0] ?? '']);
      return { target, field, message: `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}` };
    }
    // zod does not keep the input in its issues; "received undefined" is how it says a field is missing.
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      return { target, field: path.length === 0 ? '(root)' : formatFieldPath(path), message: `required: expected ${issue.expected}` };
    }
    if (issue.code === 'invalid_union' && path.length === 0) {
      return { target, field: '(root)', message: issue.message };
    }
    return { target, field: path.length === 0 ? '(root)' : formatFieldPath(path), message: issue.message };
  });
}
