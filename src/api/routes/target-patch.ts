import type { z } from 'zod';
import { notFound } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';
import { targetInputOf } from '../../storage/store.js';
import type { targetPatchSchema } from './target-routes.js';

type TargetPatchBody = z.output<typeof targetPatchSchema>;

/**
 * Builds the full target input for a PATCH: the stored definition (which still holds the
 * secrets the API never shows) with the patch applied. Top-level fields replace (`null`
 * removes `regions` or `quorum`: back to the default); `check`
 * is merged as a JSON Merge Patch (RFC 7396: `null` removes a field), so
 * `{"check":{"keyword":"ok"}}` keeps the URL and the credentials. The daemon re-validates
 * the result as a whole.
 */
export async function buildPatchedInput(deps: ApiDeps, id: string, patch: TargetPatchBody): Promise<Record<string, unknown>> {
  const record = await deps.handle.store.getTarget(id);
  if (record === null) throw notFound(`target ${JSON.stringify(id)}`);
  // allowPrivateTargets is not carried over: the daemon only accepts it from the config
  // file, so an API target always has the config default.
  const base = targetInputOf(record);
  const { check, ...rest } = patch;
  const merged: Record<string, unknown> = { ...base, ...dropUndefined(rest) };
  // null removes a field (RFC 7396): regions and quorum go back to their defaults
  for (const field of ['regions', 'quorum'] as const) if (patch[field] === null) delete merged[field];
  if (check !== undefined) merged.check = mergePatch(record.input, withStoredHeaderNames(record.input, check));
  return merged;
}

/**
 * Header names are case-insensitive (RFC 9110), so `{"headers":{"cookie":null}}` must remove
 * a stored `Cookie`: each patched header takes the spelling of the stored one it names.
 */
function withStoredHeaderNames(stored: unknown, check: Record<string, unknown>): Record<string, unknown> {
  const patch = check.headers;
  const current = stored !== null && typeof stored === 'object' ? (stored as { headers?: unknown }).headers : undefined;
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch) || current === null || typeof current !== 'object') return check;
  const byLower = new Map(Object.keys(current).map((name) => [name.toLowerCase(), name]));
  const renamed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(patch as Record<string, unknown>)) renamed[byLower.get(name.toLowerCase()) ?? name] = value;
  return { ...check, headers: renamed };
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** RFC 7396 JSON Merge Patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
