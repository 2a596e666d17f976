/**
 * `alerts.channels`: email, PagerDuty, Opsgenie, Discord, Telegram, Microsoft Teams and
 * templated webhooks. Validated once when the config loads; every error names the field
 * (`alerts.channels[2].routingKey`). Credentials — routing keys, API keys, bot tokens, SMTP
 * passwords, and the webhook URLs of Discord and Teams (whoever has one can post) — must be
 * `${env:NAME}` / `${file:/path}` references (secret-ref.ts): a literal is refused, so the file
 * can be committed. The resolved values are listed in `secrets` for redaction (redact.ts) and
 * never leave the process except to their provider.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { compileAlertTemplate, TemplateError, type AlertTemplate } from '../alerts/alert-template.js';
import { DURATION_FORM, durationInputSchema, parseDurationMs } from './duration.js';
import { resolveReferences, type SecretSource } from './secret-ref.js';

export const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** `a@b.c` or `Display Name <a@b.c>`: one address, no list, nothing an SMTP server would reject on sight. */
const MAIL_ADDRESS = /^(?:[^<>\r\n@]*<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@,]+@[^\s<>@,]+\.[^\s<>@,]+)$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$/;
/**
 * Shortest repeat interval: the shortest check interval. Reminders are taken from the store
 * (alert-dispatcher.ts), so a short one costs a round per tick, not a timer per incident;
 * anything under a minute is a choice for tests and demos more than for people.
 */
const MIN_REPEAT_MS = 1_000;
const MAX_REPEAT_MS = 30 * 86_400_000;

/** Which alerts a channel gets. Absent = every alert. */
export interface ChannelRoute {
  /** target ids or names; empty = no filter by target */
  readonly targets: readonly string[];
  /** any of these tags; empty = no filter by tag */
  readonly tags: readonly string[];
  /** probe_degraded / probe_recovered (they concern no target) */
  readonly probe: boolean;
}

/** What every channel has: delivery policy, routing, repeat-notify and its secrets. */
interface ChannelBase {
  readonly name: string;
  readonly route: ChannelRoute | null;
  /** re-notify while an incident stays open; null = never */
  readonly repeatEveryMs: number | null;
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly timeoutMs: number;
  /** resolved secret values, for redaction only */
  readonly secrets: readonly string[];
}

/** The provider-specific part of a channel. */
type ChannelProvider =
    | { readonly type: 'email'; readonly host: string; readonly port: number; readonly tls: 'starttls' | 'implicit'; readonly username: string | null; readonly password: string | null; readonly from: string; readonly to: readonly string[]; readonly ca: string | null }
    | { readonly type: 'pagerduty'; readonly routingKey: string; readonly baseUrl: string; readonly severity: 'critical' | 'error' | 'warning' | 'info'; readonly source: string }
    | { readonly type: 'opsgenie'; readonly apiKey: string; readonly baseUrl: string; readonly priority: 'P1' | 'P2' | 'P3' | 'P4' | 'P5' }
    | { readonly type: 'discord'; readonly url: string; readonly username: string | null }
    | { readonly type: 'telegram'; readonly botToken: string; readonly chatId: string; readonly baseUrl: string }
    | { readonly type: 'teams'; readonly url: string }
  | { readonly type: 'template'; readonly url: string; readonly method: 'POST' | 'PUT'; readonly headers: Readonly<Record<string, string>>; readonly contentType: string; readonly template: AlertTemplate };

export type ChannelConfig = ChannelBase & ChannelProvider;

/** The config of one kind of channel (what its sender takes). */
export type ChannelConfigOf<K extends ChannelProvider['type']> = ChannelBase & Extract<ChannelProvider, { type: K }>;

const secretRef = z.string().max(4096);

/** `route:` and `repeatEvery:`, shared with `alerts.webhooks` (webhook-config.ts). */
export const routingInputFields = {
  route: z
    .strictObject({
      targets: z.array(z.string().min(1).max(256)).max(1000).optional(),
      tags: z.array(z.string().min(1).max(256)).max(1000).optional(),
      probe: z.boolean().optional(),
    })
    .optional(),
  repeatEvery: durationInputSchema.optional(),
};

type RoutingInput = { route?: { targets?: string[]; tags?: string[]; probe?: boolean } | undefined; repeatEvery?: string | number | undefined };

/** The parsed `route` and `repeatEvery` of a webhook or channel (`at` prefixes error fields). */
export function parseRouting(input: RoutingInput, at: string, fail: Fail): { route: ChannelRoute | null; repeatEveryMs: number | null } {
  const route = input.route === undefined ? null : Object.freeze({ targets: Object.freeze([...(input.route.targets ?? [])]), tags: Object.freeze([...(input.route.tags ?? [])]), probe: input.route.probe ?? true });
  let repeatEveryMs: number | null = null;
  if (input.repeatEvery !== undefined) {
    const ms = parseDurationMs(input.repeatEvery);
    if (ms === null || ms < MIN_REPEAT_MS || ms > MAX_REPEAT_MS) throw fail(`${at}.repeatEvery`, `expected ${DURATION_FORM} from 1s to 30d, got ${JSON.stringify(input.repeatEvery)}`);
    repeatEveryMs = ms;
  }
  return { route, repeatEveryMs };
}

const common = {
  name: z.string().regex(CHANNEL_NAME, 'expected 1-64 letters, digits, ".", "_" or "-"'),
  ...routingInputFields,
  maxAttempts: z.number().int().min(1).max(20).optional(),
  initialBackoff: durationInputSchema.optional(),
  timeout: durationInputSchema.optional(),
};

export const channelInputSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      ...common,
      type: z.literal('email'),
      host: z.string().min(1).max(253),
      port: z.number().int().min(1).max(65535).optional(),
      tls: z.enum(['starttls', 'implicit']).optional(),
      username: z.string().min(1).max(512).optional(),
      password: secretRef.optional(),
      from: z.string().min(3).max(512),
      to: z.array(z.string().min(3).max(512)).min(1).max(100),
      caFile: z.string().min(1).max(4096).optional(),
    }),
    z.strictObject({ ...common, type: z.literal('pagerduty'), routingKey: secretRef, baseUrl: z.string().max(2048).optional(), severity: z.enum(['critical', 'error', 'warning', 'info']).optional(), source: z.string().min(1).max(255).optional() }),
    z.strictObject({ ...common, type: z.literal('opsgenie'), apiKey: secretRef, baseUrl: z.string().max(2048).optional(), priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).optional() }),
    z.strictObject({ ...common, type: z.literal('discord'), url: secretRef, username: z.string().min(1).max(80).optional() }),
    z.strictObject({ ...common, type: z.literal('telegram'), botToken: secretRef, chatId: z.union([z.string().min(1).max(128), z.number().int()]), baseUrl: z.string().max(2048).optional() }),
    z.strictObject({ ...common, type: z.literal('teams'), url: secretRef }),
    z.strictObject({
      ...common,
      type: z.literal('template'),
      url: z.string().max(4096),
      method: z.enum(['POST', 'PUT']).optional(),
      headers: z.record(z.string(), z.string().max(8192)).optional(),
      contentType: z.string().min(1).max(256).optional(),
      template: z.string().min(1).max(65_536),
    }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'expected type: email, pagerduty, opsgenie, discord, telegram, teams or template' : undefined) },
);

type ChannelInput = z.infer<typeof channelInputSchema>;
type Fail = (field: string, message: string) => Error;

const DEFAULT_BASE_URL = { pagerduty: 'https://events.pagerduty.com', opsgenie: 'https://api.opsgenie.com', telegram: 'https://api.telegram.org' } as const;

/** Resolves one field; `mustBeReference` refuses a literal (a credential written into the file). */
class FieldResolver {
  readonly secrets: string[] = [];
  constructor(
    private readonly at: string,
    private readonly source: SecretSource,
    private readonly fail: Fail,
  ) {}

  value(field: string, raw: string, mustBeReference: boolean): string {
    if (mustBeReference && !/\$\{(env|file):[^}]*\}/.test(raw)) {
      throw this.fail(`${this.at}.${field}`, 'expected a ${env:NAME} or ${file:/path} reference: credentials are not written into the config (the value is not shown)');
    }
    const resolved = resolveReferences(raw, this.source);
    if (!resolved.ok) throw this.fail(`${this.at}.${field}`, resolved.message);
    this.secrets.push(...resolved.secrets);
    return resolved.value;
  }

  url(field: string, raw: string, mustBeReference: boolean): string {
    const text = this.value(field, raw, mustBeReference);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw this.fail(`${this.at}.${field}`, 'expected an absolute http:// or https:// URL (the value is not shown)');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw this.fail(`${this.at}.${field}`, 'expected an absolute http:// or https:// URL (the value is not shown)');
    return url.href.replace(/\/$/, field === 'baseUrl' ? '' : '/');
  }

  duration(field: string, value: unknown, fallback: number | null, minMs: number, maxMs: number): number | null {
    if (value === undefined) return fallback;
    const ms = parseDurationMs(value);
    if (ms === null || ms < minMs || ms > maxMs) throw this.fail(`${this.at}.${field}`, `expected ${DURATION_FORM} from ${minMs} ms to ${maxMs} ms, got ${JSON.stringify(value)}`);
    return ms;
  }
}

function readCa(path: string, field: string, fail: Fail): string {
  if (!isAbsolute(path)) throw fail(field, 'expected an absolute path to a PEM file');
  try {
    const pem = readFileSync(path, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw fail(field, `${path} holds no PEM certificate`);
    return pem;
  } catch (err) {
    if (err instanceof Error && !('code' in err)) throw err;
    throw fail(field, `cannot read ${path} (${(err as { code?: string }).code ?? 'error'})`);
  }
}

function typedPart(c: ChannelInput, r: FieldResolver, at: string, fail: Fail): ChannelProvider {
  switch (c.type) {
    case 'email':
      for (const [field, address] of [['from', c.from], ...c.to.map((a, i) => [`to[${i}]`, a])] as Array<[string, string]>) {
        if (!MAIL_ADDRESS.test(address)) throw fail(`${at}.${field}`, `expected an email address such as ops@example.com or "Vigil <vigil@example.com>", got ${JSON.stringify(address)}`);
      }
      if ((c.username === undefined) !== (c.password === undefined)) throw fail(`${at}.${c.username === undefined ? 'username' : 'password'}`, 'give username and password together, or neither');
      return {
        type: 'email', host: c.host, port: c.port ?? (c.tls === 'implicit' ? 465 : 587), tls: c.tls ?? 'starttls',
        username: c.username ?? null, password: c.password === undefined ? null : r.value('password', c.password, true),
        from: c.from, to: [...c.to], ca: c.caFile === undefined ? null : readCa(c.caFile, `${at}.caFile`, fail),
      };
    case 'pagerduty':
      return { type: 'pagerduty', routingKey: r.value('routingKey', c.routingKey, true), baseUrl: r.url('baseUrl', c.baseUrl ?? DEFAULT_BASE_URL.pagerduty, false), severity: c.severity ?? 'critical', source: c.source ?? 'vigil' };
    case 'opsgenie':
      return { type: 'opsgenie', apiKey: r.value('apiKey', c.apiKey, true), baseUrl: r.url('baseUrl', c.baseUrl ?? DEFAULT_BASE_URL.opsgenie, false), priority: c.priority ?? 'P2' };
    case 'discord':
      return { type: 'discord', url: r.url('url', c.url, true), username: c.username ?? null };
    case 'telegram':
      return { type: 'telegram', botToken: r.value('botToken', c.botToken, true), chatId: String(c.chatId), baseUrl: r.url('baseUrl', c.baseUrl ?? DEFAULT_BASE_URL.telegram, false) };
    case 'teams':
      return { type: 'teams', url: r.url('url', c.url, true) };
    case 'template': {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(c.headers ?? {})) {
        if (!HEADER_NAME.test(name)) throw fail(`${at}.headers.${name.slice(0, 64)}`, 'expected an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)');
        headers[name.toLowerCase()] = r.value(`headers.${name}`, value, false);
      }
      const contentType = c.contentType ?? 'application/json';
      let template: AlertTemplate;
      try {
        template = compileAlertTemplate(c.template, contentType);
      } catch (err) {
        if (err instanceof TemplateError) throw fail(`${at}.template`, err.message);
        throw err;
      }
      return { type: 'template', url: r.url('url', c.url, false), method: c.method ?? 'POST', headers, contentType, template };
    }
  }
}

/** `names` holds the names already taken (webhooks): channel names share one namespace with them. */
export function parseChannels(inputs: readonly ChannelInput[], source: SecretSource, takenNames: ReadonlySet<string>, fail: Fail): ChannelConfig[] {
  const names = new Set(takenNames);
  return inputs.map((c, i) => {
    const at = `[${i}]`;
    if (names.has(c.name)) throw fail(`${at}.name`, `duplicate alert channel name ${JSON.stringify(c.name)} (webhooks and channels share names)`);
    names.add(c.name);
    const r = new FieldResolver(at, source, fail);
    const typed = typedPart(c, r, at, fail);
    return Object.freeze({
      ...typed,
      name: c.name,
      ...parseRouting(c, at, fail),
      maxAttempts: c.maxAttempts ?? 5,
      initialBackoffMs: r.duration('initialBackoff', c.initialBackoff, 1_000, 1, 600_000) ?? 1_000,
      timeoutMs: r.duration('timeout', c.timeout, 10_000, 1, 600_000) ?? 10_000,
      secrets: Object.freeze([...r.secrets]),
    }) as ChannelConfig;
  });
}
