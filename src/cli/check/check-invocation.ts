import { readFileSync } from 'node:fs';
import {
  defineHttpCheck,
  defineTcpCheck,
  SpecError,
  type CheckSpec,
  type HttpCheckInput,
} from '../../domain/check-spec.js';
import type { ClientConfig } from '../../check/index.js';
import { UsageError } from '../usage-error.js';
import type { ParsedArgs, RawCheckFlags } from './check-command-def.js';
import { parseAuth, parseHeaders, parseHostPort, parseIntegerFlag } from './flag-parsers.js';

/** Everything `vigil check` needs to run, validated. */
export interface CheckInvocation {
  readonly spec: CheckSpec;
  readonly clientConfig: ClientConfig;
  readonly json: boolean;
}

const MAX_MS = 3_600_000;

/** Flags that only mean something for an HTTP check; refused with --tcp rather than ignored. */
const HTTP_ONLY_FLAGS: ReadonlyArray<[keyof RawCheckFlags, string]> = [
  ['method', '--method'],
  ['header', '--header'],
  ['body', '--body'],
  ['expectStatus', '--expect-status'],
  ['keyword', '--keyword'],
  ['bodyRegex', '--body-regex'],
  ['followRedirects', '--follow-redirects'],
  ['maxRedirects', '--max-redirects'],
  ['insecure', '--insecure'],
  ['ca', '--ca'],
  ['h2c', '--h2c'],
  ['userAgent', '--user-agent'],
  ['basicAuth', '--basic-auth'],
  ['bearer', '--bearer'],
];

/** Domain field → the flag a user typed, so a SpecError names what they can fix. */
function flagForField(field: string): string {
  if (field.startsWith('headers.')) return '--header';
  const table: Record<string, string> = {
    url: '<url>',
    method: '--method',
    expectStatus: '--expect-status',
    keyword: '--keyword',
    bodyRegex: '--body-regex',
    host: '--tcp',
    port: '--tcp',
  };
  return table[field] ?? field;
}

/** One line for a SpecError; never echoes header values, and hides URL credentials. */
function describeSpecError(err: SpecError): string {
  const flag = flagForField(err.field);
  const secret = flag === '--header' || err.got === undefined || typeof err.got === 'object';
  const got = typeof err.got === 'string' ? err.got.replace(/\/\/[^/@]*@/, '//***@') : err.got;
  return `${flag}: expected ${err.expected}${secret ? '' : `, got ${JSON.stringify(got)}`}`;
}

function optionalMs(flag: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseIntegerFlag(flag, text, 1, MAX_MS, 'milliseconds');
}

function readCa(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`--ca: expected a readable PEM file, cannot read ${JSON.stringify(path)} (${code})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`--ca: expected a PEM file with at least one "BEGIN CERTIFICATE" block, got ${JSON.stringify(path)}`);
  }
  return pem;
}

function httpInput(url: string, flags: RawCheckFlags): HttpCheckInput {
  if (flags.maxRedirects !== undefined && flags.followRedirects !== true) {
    throw new UsageError('--max-redirects: expected together with --follow-redirects');
  }
  const input: HttpCheckInput = {
    url,
    headers: parseHeaders(flags.header ?? []),
    auth: parseAuth(flags.basicAuth, flags.bearer),
    followRedirects: flags.followRedirects === true,
    verifyTls: flags.insecure !== true,
    http2: flags.h2c === true ? 'prior-knowledge' : 'alpn',
  };
  if (flags.method !== undefined) input.method = flags.method;
  if (flags.body !== undefined) input.body = flags.body;
  if (flags.expectStatus !== undefined) input.expectStatus = flags.expectStatus;
  if (flags.keyword !== undefined) input.keyword = flags.keyword;
  if (flags.bodyRegex !== undefined) input.bodyRegex = flags.bodyRegex;
  if (flags.maxRedirects !== undefined) input.maxRedirects = parseIntegerFlag('--max-redirects', flags.maxRedirects, 0, 10);
  return input;
}

function buildSpec(url: string | undefined, flags: RawCheckFlags): CheckSpec {
  const budgets: { timeoutMs?: number; connectTimeoutMs?: number; degradedAfterMs: number | null } = {
    degradedAfterMs: optionalMs('--degraded-after-ms', flags.degradedAfterMs) ?? null,
  };
  const timeoutMs = optionalMs('--timeout-ms', flags.timeoutMs);
  if (timeoutMs !== undefined) budgets.timeoutMs = timeoutMs;
  const connectTimeoutMs = optionalMs('--connect-timeout-ms', flags.connectTimeoutMs);
  if (connectTimeoutMs !== undefined) budgets.connectTimeoutMs = connectTimeoutMs;
  if (flags.tcp !== undefined) {
    if (url !== undefined) throw new UsageError(`--tcp: expected no <url> argument with --tcp, got ${JSON.stringify(url)}`);
    const used = HTTP_ONLY_FLAGS.find(([key]) => flags[key] !== undefined);
    if (used) throw new UsageError(`${used[1]}: expected only with an HTTP check, not with --tcp`);
        const { host, port } = parseHostPort(flags.tcp);
    return defineTcpCheck({ kind: 'tcp', host, port, ...budgets });
  }
  if (url === undefined) throw new UsageError('<url>: expected a URL such as https://example.com/ (or --tcp host:port)');
  return defineHttpCheck({ ...httpInput(url, flags), ...budgets });
}

/** Validates parsed arguments into a spec and client config; throws UsageError for bad input. */
export function toCheckInvocation({ url, flags }: ParsedArgs): CheckInvocation {
  let spec: CheckSpec;
  try {
    spec = buildSpec(url, flags);
  } catch (err) {
    if (err instanceof SpecError) throw new UsageError(describeSpecError(err));
    throw err;
  }
  const clientConfig: ClientConfig = { allowPrivateTargets: flags.allowPrivate === true };
  if (flags.userAgent !== undefined) {
    if (flags.userAgent === '' || /[\r\n\0]/.test(flags.userAgent)) {
      throw new UsageError('--user-agent: expected a non-empty value without CR, LF or NUL');
    }
    clientConfig.userAgent = flags.userAgent;
  }
  if (flags.ca !== undefined) clientConfig.ca = readCa(flags.ca);
  return { spec, clientConfig, json: flags.json === true };
}
