/**
 * The daemon's YAML config file. Parsing has two levels of failure:
 * - file level (YAML syntax, wrong top-level types, bad defaults/probe/alerts): the whole
 *   file is refused with a ConfigFileError naming the field; a running daemon keeps its set;
 * - target level (unknown kind, bad URL, interval under the floor, duplicate name, …): only
 *   that target is refused, with a FieldError naming it; the rest of the file loads.
 */
import { z } from 'zod';
import type { FieldError } from '../daemon/daemon-handle.js';
import { DURATION_FORM, parseDurationMs, durationInputSchema } from './duration.js';
import { certExpiryThresholds, MAX_CERT_EXPIRY_DAYS, SpecError } from '../domain/spec-fields.js';
import { BUILTIN_TARGET_DEFAULTS, MIN_INTERVAL_MS, parseTargetInput, type TargetDefaults, type TargetDefinition } from './target-definition.js';
import { issuesToFieldErrors } from './zod-errors.js';
import { parseWebhooks, webhookInputSchema, type WebhookConfig } from './webhook-config.js';
import { channelInputSchema, parseChannels, type ChannelConfig } from './channel-config.js';
import { DEFAULT_PROBE_SETTINGS, parseProbeSettings, probeInputSchema, type ProbeSettings } from './probe-settings.js';
import { apiInputSchema, DEFAULT_API_SETTINGS, parseApiSettings, type ApiSettings } from './api-settings.js';
import { parseMaintenanceWindowList, WindowInputError, type MaintenanceWindow } from '../maintenance-windows/maintenance-window.js';
import { readYamlTree } from './yaml-tree.js';
import { DEFAULT_STORAGE_SETTINGS, parseStorageSettings, storageInputSchema, type StorageSettings } from './storage-settings.js';

export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface DaemonConfig {
  readonly defaults: TargetDefaults;
  readonly probe: ProbeSettings;
  /** retention and the maintenance job; read at start (a reload does not change them) */
  readonly storage: StorageSettings;
  readonly webhooks: readonly WebhookConfig[];
  /** email, PagerDuty, Opsgenie, Discord, Telegram, Teams and templated webhooks (docs/alerts.md) */
  readonly channels: readonly ChannelConfig[];
  /** API tokens and extra Host names; re-read on SIGHUP */
  readonly api: ApiSettings;
  /** maintenance windows from the file (API windows live in the store) */
  readonly maintenanceWindows: readonly MaintenanceWindow[];
  readonly targets: readonly TargetDefinition[];
  /** refused targets, each naming the target and field */
  readonly targetErrors: readonly FieldError[];
}

const fileSchema = z.strictObject({
  defaults: z
    .strictObject({
      interval: durationInputSchema.optional(),
      timeout: durationInputSchema.optional(),
      confirmations: z.number().int().min(1).max(100).optional(),
      allowPrivateTargets: z.boolean().optional(),
      certExpiryWarnDays: z.number().int().min(0).max(MAX_CERT_EXPIRY_DAYS).optional(),
      certExpiryCriticalDays: z.number().int().min(0).max(MAX_CERT_EXPIRY_DAYS).optional(),
    })
    .optional(),
  probe: probeInputSchema.optional(),
  storage: storageInputSchema.optional(),
  alerts: z.strictObject({ webhooks: z.array(webhookInputSchema).max(100).optional(), channels: z.array(channelInputSchema).max(100).optional() }).optional(),
  api: apiInputSchema.optional(),
  maintenance: z.array(z.unknown()).optional(),
  targets: z.array(z.unknown()).optional(),
});

function parseDefaults(raw: z.infer<typeof fileSchema>['defaults'], env: Readonly<Record<string, string | undefined>>): TargetDefaults {
  const d = raw ?? {};
  const duration = (field: string, value: unknown, min: number): number | null => {
    if (value === undefined) return null;
    const ms = parseDurationMs(value);
    if (ms === null || ms < min) throw new ConfigFileError(`defaults.${field}`, `expected ${DURATION_FORM} (at least ${min} ms), got ${JSON.stringify(value)}`);
    return ms;
  };
  return Object.freeze({
    intervalMs: duration('interval', d.interval, MIN_INTERVAL_MS) ?? BUILTIN_TARGET_DEFAULTS.intervalMs,
    timeoutMs: duration('timeout', d.timeout, 1),
    confirmations: d.confirmations ?? BUILTIN_TARGET_DEFAULTS.confirmations,
    allowPrivateTargets: d.allowPrivateTargets ?? BUILTIN_TARGET_DEFAULTS.allowPrivateTargets,
    secrets: Object.freeze({ env }),
    ...certExpiryDefaults(d.certExpiryWarnDays, d.certExpiryCriticalDays),
  });
}

function certExpiryDefaults(warn: number | undefined, critical: number | undefined): Pick<TargetDefaults, 'certExpiryWarnDays' | 'certExpiryCriticalDays'> {
  try {
    certExpiryThresholds({ certExpiryWarnDays: warn, certExpiryCriticalDays: critical });
  } catch (err) {
    if (err instanceof SpecError) throw new ConfigFileError(`defaults.${err.field}`, `expected ${err.expected}, got ${JSON.stringify(err.got)}`);
    throw err;
  }
  return { certExpiryWarnDays: warn ?? null, certExpiryCriticalDays: critical ?? null };
}

/** Validates every target; duplicates (id or name) after the first are refused. */
export function parseTargetList(inputs: readonly unknown[], defaults: TargetDefaults): { targets: TargetDefinition[]; errors: FieldError[] } {
  const targets: TargetDefinition[] = [];
  const errors: FieldError[] = [];
  const ids = new Set<string>();
  const names = new Set<string>();
  inputs.forEach((input, index) => {
    const parsed = parseTargetInput(input, 'config', defaults, index);
    if (!parsed.ok) {
      errors.push(...parsed.errors);
      return;
    }
    const t = parsed.target;
    // the name first: an id derived from a repeated name is the same clash, and the name is what the user wrote
    if (names.has(t.name)) errors.push({ target: t.name, field: 'name', message: `duplicate name ${JSON.stringify(t.name)}` });
    else if (ids.has(t.id)) errors.push({ target: t.name, field: 'id', message: `duplicate id ${JSON.stringify(t.id)} (ids must be unique; set "id" explicitly)` });
    else {
      ids.add(t.id);
      names.add(t.name);
      targets.push(t);
    }
  });
  return { targets, errors };
}

/** `env` resolves `secretEnv` references of webhooks. Throws ConfigFileError for file-level problems. */
export function parseDaemonConfig(text: string, env: Readonly<Record<string, string | undefined>> = {}): DaemonConfig {
  const read = readYamlTree(text);
  if (!read.ok) throw new ConfigFileError('config', read.message);
  const parsed = fileSchema.safeParse(read.tree ?? {});
  if (!parsed.success) {
    const first = issuesToFieldErrors(null, parsed.error.issues)[0];
    throw new ConfigFileError(first?.field ?? 'config', first?.message ?? 'invalid');
  }
  const file = parsed.data;
  const defaults = parseDefaults(file.defaults, env);
  const probe = file.probe === undefined ? DEFAULT_PROBE_SETTINGS : parseProbeSettings(file.probe, (f, m) => new ConfigFileError(`probe.${f}`, m));
  const storage = file.storage === undefined ? DEFAULT_STORAGE_SETTINGS : parseStorageSettings(file.storage, (f, m) => new ConfigFileError(`storage.${f}`, m), { env });
  const webhooks = parseWebhooks(file.alerts?.webhooks ?? [], env, (f, m) => new ConfigFileError(`alerts.webhooks${f}`, m));
  const channels = parseChannels(file.alerts?.channels ?? [], defaults.secrets, new Set(webhooks.map((w) => w.name)), (f, m) => new ConfigFileError(`alerts.channels${f}`, m));
  const api = file.api === undefined ? DEFAULT_API_SETTINGS : parseApiSettings(file.api, defaults.secrets, (f, m) => new ConfigFileError(`api.${f}`, m));
  let maintenanceWindows: MaintenanceWindow[];
  try {
    maintenanceWindows = parseMaintenanceWindowList(file.maintenance ?? []);
  } catch (err) {
    if (err instanceof WindowInputError) throw new ConfigFileError(`maintenance${err.field}`, err.reason);
    throw err;
  }
  const { targets, errors } = parseTargetList(file.targets ?? [], defaults);
  return Object.freeze({ defaults, probe, storage, webhooks: Object.freeze(webhooks), channels: Object.freeze(channels), api, maintenanceWindows: Object.freeze(maintenanceWindows), targets: Object.freeze(targets), targetErrors: Object.freeze(errors) });
}
