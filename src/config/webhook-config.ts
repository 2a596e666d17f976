/**
 * Alert webhooks. A secret is given literally (`secret`), by reference (`secret:
 * "${env:NAME}"` or `"${file:/run/secrets/x}"`, as every other credential field, see
 * secret-ref.ts) or by the name of an environment variable (`secretEnv`), so the file can be
 * committed; the URL takes references too (a Slack URL is itself a credential). Secrets and
 * URLs never appear in logs, stats, errors or API responses: only `name` does.
 */
import { z } from 'zod';
import { DURATION_FORM, parseDurationMs, durationInputSchema } from './duration.js';
import { parseRouting, routingInputFields, type ChannelRoute } from './channel-config.js';
import { resolveReferences } from './secret-ref.js';

type WebhookFormat = 'generic' | 'slack';

export interface WebhookConfig {
  readonly name: string;
  readonly url: string;
  readonly format: WebhookFormat;
  /** HMAC-SHA256 key for X-Vigil-Signature; null sends unsigned (allowed for slack only) */
  readonly secret: string | null;
  /** attempts in total, first one included */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly timeoutMs: number;
  /** which alerts it gets (null = all) and repeat-notify, as for channels (channel-config.ts) */
  readonly route: ChannelRoute | null;
  readonly repeatEveryMs: number | null;
}

export const webhookInputSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"'),
  url: z.string(),
  format: z.enum(['generic', 'slack']).optional(),
  secret: z.string().optional(),
  secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name such as VIGIL_WEBHOOK_SECRET').optional(),
  maxAttempts: z.number().int().min(1).max(20).optional(),
  initialBackoff: durationInputSchema.optional(),
  timeout: durationInputSchema.optional(),
  ...routingInputFields,
});

type Fail = (field: string, message: string) => Error;

function durationOr(value: unknown, fallback: number, field: string, fail: Fail): number {
  if (value === undefined) return fallback;
  const ms = parseDurationMs(value);
  if (ms === null || ms < 1 || ms > 600_000) throw fail(field, `expected ${DURATION_FORM} up to 10m, got ${JSON.stringify(value)}`);
  return ms;
}

export function parseWebhooks(inputs: readonly z.infer<typeof webhookInputSchema>[], env: Readonly<Record<string, string | undefined>>, fail: Fail): WebhookConfig[] {
  const names = new Set<string>();
  return inputs.map((w, i) => {
    const at = `[${i}]`;
    if (names.has(w.name)) throw fail(`${at}.name`, `duplicate webhook name ${JSON.stringify(w.name)}`);
    names.add(w.name);
    const resolvedUrl = resolveReferences(w.url, { env });
    if (!resolvedUrl.ok) throw fail(`${at}.url`, resolvedUrl.message);
    let url: URL;
    try {
      url = new URL(resolvedUrl.value);
    } catch {
      throw fail(`${at}.url`, 'expected an absolute http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(`${at}.url`, 'expected an absolute http:// or https:// URL');
    if (w.secret !== undefined && w.secretEnv !== undefined) throw fail(`${at}.secret`, 'give either secret or secretEnv, not both');
    let secret: string | null = null;
    if (w.secret !== undefined) {
      const resolved = resolveReferences(w.secret, { env });
      if (!resolved.ok) throw fail(`${at}.secret`, resolved.message);
      if (resolved.value.length < 16) throw fail(`${at}.secret`, 'expected at least 16 characters (the value is not shown)');
      secret = resolved.value;
    }
    if (w.secretEnv !== undefined) {
      secret = env[w.secretEnv] ?? null;
      if (secret === null || secret.length < 16) throw fail(`${at}.secretEnv`, `environment variable ${w.secretEnv} must hold a secret of at least 16 characters`);
    }
    const format = w.format ?? 'generic';
    if (format === 'generic' && secret === null) throw fail(`${at}.secret`, 'a generic webhook needs secret or secretEnv (receivers verify X-Vigil-Signature)');
    return Object.freeze({
      name: w.name,
      url: url.href,
      format,
      secret,
      maxAttempts: w.maxAttempts ?? 5,
      initialBackoffMs: durationOr(w.initialBackoff, 1_000, `${at}.initialBackoff`, fail),
      timeoutMs: durationOr(w.timeout, 5_000, `${at}.timeout`, fail),
      ...parseRouting(w, at, fail),
    });
  });
}
