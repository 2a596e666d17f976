/**
 * The `api:` section of the config file: who may call the API (named tokens, each admin or
 * read-only) and which Host names it answers as besides the defaults. Both are re-read on
 * SIGHUP, so removing a token from the file (or its variable or secret file) and reloading
 * revokes it.
 *
 * ```yaml
 * api:
 *   allowedHosts: [status.example.com, "vigil.lan:8080"]
 *   tokens:
 *     - { name: ops, scope: admin, token: "${env:VIGIL_OPS_TOKEN}" }
 *     - { name: grafana, scope: read, token: "${file:/run/secrets/vigil-read}" }
 * ```
 */
import { z } from 'zod';
import { resolveReferences, type SecretSource } from './secret-ref.js';

/** admin: everything; read: GET only (lists, history, stats — never a change or a check run). */
export type TokenScope = 'admin' | 'read';

/** One bearer token. `name` is what logs and errors show; the secret never is. */
export interface ApiToken {
  readonly name: string;
  readonly scope: TokenScope;
  readonly secret: string;
}

export const MIN_TOKEN_CHARS = 16;

export interface HostRule {
  /** lowercased host name or IP; IPv6 in brackets, as in a Host header */
  readonly name: string;
  /** null = any port */
  readonly port: number | null;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` → a rule; null when it is not of that form. */
export function parseHostRule(text: string): HostRule | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)(?::(\d{1,5}))?$/i.exec(text.trim());
  if (m === null || m[1] === undefined) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { name: m[1].toLowerCase(), port };
}

export interface ApiSettings {
  readonly tokens: readonly ApiToken[];
  readonly allowedHosts: readonly HostRule[];
}

export const DEFAULT_API_SETTINGS: ApiSettings = Object.freeze({ tokens: Object.freeze([]), allowedHosts: Object.freeze([]) });

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const apiInputSchema = z.strictObject({
  allowedHosts: z.array(z.string()).max(256).optional(),
  tokens: z
    .array(
      z.strictObject({
        name: z.string().regex(NAME, 'expected 1-64 letters, digits, ".", "_" or "-"'),
        scope: z.enum(['admin', 'read']),
        token: z.string(),
      }),
    )
    .max(256)
    .optional(),
});

type Fail = (field: string, message: string) => Error;

export function parseApiSettings(input: z.infer<typeof apiInputSchema>, secrets: SecretSource, fail: Fail): ApiSettings {
  const allowedHosts = (input.allowedHosts ?? []).map((text, i) => {
    const rule = parseHostRule(text);
    if (rule === null) throw fail(`allowedHosts[${i}]`, `expected a host name or name:port such as "status.example.com", got ${JSON.stringify(text)}`);
    return Object.freeze(rule);
  });
  const names = new Set<string>();
  const values = new Set<string>();
  const tokens = (input.tokens ?? []).map((t, i) => {
    if (names.has(t.name)) throw fail(`tokens[${i}].name`, `duplicate token name ${JSON.stringify(t.name)}`);
    names.add(t.name);
    const resolved = resolveReferences(t.token, secrets);
    if (!resolved.ok) throw fail(`tokens[${i}].token`, resolved.message);
    if (resolved.value.length < MIN_TOKEN_CHARS) throw fail(`tokens[${i}].token`, `expected at least ${MIN_TOKEN_CHARS} characters (the value is not shown)`);
    if (/\s/.test(resolved.value)) throw fail(`tokens[${i}].token`, 'expected no whitespace (the value is not shown)');
    if (values.has(resolved.value)) throw fail(`tokens[${i}].token`, `token ${JSON.stringify(t.name)} has the same value as another token`);
    values.add(resolved.value);
    return Object.freeze({ name: t.name, scope: t.scope, secret: resolved.value });
  });
  return Object.freeze({ tokens: Object.freeze(tokens), allowedHosts: Object.freeze(allowedHosts) });
}
