/**
 * `vigil serve`: parses flags, starts the daemon (main.ts), wires signals. Bad flags or a
 * bad config file print one line naming the field and exit 2; no stack traces.
 */
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MIN_TOKEN_CHARS, parseHostRule, type HostRule } from '../config/api-settings.js';
import { ConfigFileError } from '../config/daemon-config.js';
import { parsePostgresUrl, PostgresUrlError } from '../storage/postgres/pg-connection.js';
import { StoreSchemaError } from '../storage/postgres/pg-schema.js';
import { REGION_FORM } from '../domain/region.js';
import { createConsoleLogger } from './logger.js';
import { DataDirError } from './data-dir.js';
import { readConfigFile, startDaemon } from './main.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './data';

export interface ServeFlags {
  configPath: string | null;
  host: string;
  port: number;
  dataDir: string;
  /** the admin token from --token-file, VIGIL_API_TOKEN or --token (more tokens: api.tokens in the config) */
  token: string | null;
  /** where `token` came from; --token is warned about (every local user sees it in `ps`) */
  tokenSource: '--token' | '--token-file' | 'VIGIL_API_TOKEN' | null;
  /** Host names served besides the defaults (--allowed-hosts) */
  allowedHosts: HostRule[];
  /** postgres://… from --store or VIGIL_STORE; null = storage.url in the config, else SQLite */
  storeUrl: string | null;
  /** --region or VIGIL_REGION (docs/cluster.md); null = "default" */
  region: string | null;
}

/** exit code when the database's schema is newer than this program (docs/daemon.md) */
export const EXIT_SCHEMA_TOO_NEW = 3;

export class ServeUsageError extends Error {
  override readonly name = 'ServeUsageError';
}

export const SERVE_USAGE = `Usage: vigil serve [options]

  --config <file>    YAML config (default: the embedded example, examples/vigil.yaml)
  --host <addr>      listen address (default ${DEFAULT_HOST})
  --port <n>         listen port, 0 = any free port (default ${DEFAULT_PORT})
  --data-dir <dir>   where vigil.db lives (default ${DEFAULT_DATA_DIR})
  --token-file <f>   file holding the admin API token (or env VIGIL_API_TOKEN); a token
                     is required beyond loopback. More tokens, read-only ones: api.tokens
  --token <token>    the admin token itself: discouraged, every local user sees it in ps
  --allowed-hosts <list>
                     comma-separated Host names (name or name:port) the API also answers
                     as, besides the listen address, localhost, 127.0.0.1 and [::1]
  --store <url>      postgres://user@host[:port]/db[?schema=name]: keep everything in Postgres
                     (or env VIGIL_STORE, or storage.url in the config; default SQLite in --data-dir)
  --region <name>    the region this node checks from (or env VIGIL_REGION; default "default");
                     nodes of one region split that region's shards (docs/cluster.md)
  -h, --help         show this help

Signals: SIGHUP reloads the config; SIGTERM/SIGINT stop gracefully (checks finish, results flushed).
`;

const OPTIONS = {
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  store: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'allowed-hosts': { type: 'string' },
  region: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** parseArgs' errors as "flag: problem", the form every Vigil CLI uses. */
function usageMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const quoted = /'(-[^' ]+)/.exec(message)?.[1] ?? /'([^']+)'/.exec(message)?.[1] ?? '?';
  switch ((err as { code?: string }).code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${quoted}: unknown option (see vigil serve --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${quoted}: expected a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `${quoted}: unexpected argument (vigil serve takes only options; see vigil serve --help)`;
    default:
      return `${message} (see vigil serve --help)`;
  }
}

/** node:util parseArgs (strict), with its errors turned into one line naming the flag. */
function readFlags(argv: readonly string[]): Map<string, string> | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; tokens: true; strict: true; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, tokens: true, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ServeUsageError(usageMessage(err));
  }
  if (parsed.values.help === true) return 'help';
  const values = new Map<string, string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || token.name === 'help') continue;
    const flag = `--${token.name}`;
    if (values.has(flag)) throw new ServeUsageError(`${flag}: given more than once`);
    if (token.value === undefined || token.value === '') throw new ServeUsageError(`${flag}: expected a value`);
    values.set(flag, token.value);
  }
  return values;
}

/** Parses argv (after `serve`). Throws ServeUsageError naming the flag. */
export function parseServeFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ServeFlags | 'help' {
  const values = readFlags(argv);
  if (values === 'help') return 'help';
  const portText = values.get('--port') ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new ServeUsageError(`--port: expected an integer from 0 to 65535, got ${JSON.stringify(portText)}`);
  const host = values.get('--host') ?? DEFAULT_HOST;
  if (/[\s/]/.test(host)) throw new ServeUsageError(`--host: expected an IP address or host name, got ${JSON.stringify(host)}`);
  const { token, tokenSource } = readToken(values, env);
  if (token !== null && token.length < MIN_TOKEN_CHARS) throw new ServeUsageError(`${tokenSource}: expected at least ${MIN_TOKEN_CHARS} characters (the value is not shown)`);
  return { configPath: values.get('--config') ?? null, host, port, dataDir: values.get('--data-dir') ?? DEFAULT_DATA_DIR, token, tokenSource, allowedHosts: parseAllowedHosts(values.get('--allowed-hosts')), storeUrl: storeUrlOf(values, env), region: regionOf(values, env) };
}

function regionOf(values: Map<string, string>, env: Readonly<Record<string, string | undefined>>): string | null {
  const flag = values.get('--region');
  const [field, region] = flag !== undefined ? ['--region', flag] : ['VIGIL_REGION', env.VIGIL_REGION];
  if (region === undefined || region === '') return null;
  if (!REGION_FORM.test(region)) throw new ServeUsageError(`${field}: expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, got ${JSON.stringify(region.slice(0, 80))}`);
  return region;
}

function readToken(values: Map<string, string>, env: Readonly<Record<string, string | undefined>>): Pick<ServeFlags, 'token' | 'tokenSource'> {
  const given = ['--token', '--token-file'].filter((f) => values.has(f));
  if (given.length > 1) throw new ServeUsageError('--token: give either --token or --token-file, not both');
  const file = values.get('--token-file');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ServeUsageError(`--token-file: cannot read ${file} (${(err as { code?: string }).code ?? 'error'})`);
    }
    return { token: text.replace(/\r?\n$/, ''), tokenSource: '--token-file' };
  }
  const flag = values.get('--token');
  if (flag !== undefined) return { token: flag, tokenSource: '--token' };
  const fromEnv = env.VIGIL_API_TOKEN;
  return fromEnv === undefined || fromEnv === '' ? { token: null, tokenSource: null } : { token: fromEnv, tokenSource: 'VIGIL_API_TOKEN' };
}

function parseAllowedHosts(text: string | undefined): HostRule[] {
  if (text === undefined) return [];
  return text.split(',').map((entry) => {
    const rule = parseHostRule(entry);
    if (rule === null) throw new ServeUsageError(`--allowed-hosts: expected host names or name:port separated by commas, got ${JSON.stringify(entry)}`);
    return rule;
  });
}

/** --store wins over VIGIL_STORE; either must be a postgres:// URL (the message names which). */
function storeUrlOf(values: Map<string, string>, env: Readonly<Record<string, string | undefined>>): string | null {
  const flag = values.get('--store');
  const [field, url] = flag !== undefined ? ['--store', flag] : ['VIGIL_STORE', env.VIGIL_STORE];
  if (url === undefined || url === '') return null;
  try {
    parsePostgresUrl(url, field);
  } catch (err) {
    if (err instanceof PostgresUrlError) throw new ServeUsageError(err.message);
    throw err;
  }
  return url;
}

/** The embedded example config: examples/vigil.yaml at the package root (src or dist layout). */
export function exampleConfigPath(): string {
  for (const rel of ['../../examples/vigil.yaml', '../../../examples/vigil.yaml']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new ConfigFileError('--config', 'the embedded example config examples/vigil.yaml is missing from this install; pass --config <file>');
}

export async function runServeCli(argv: string[]): Promise<number> {
  const fail = (message: string, code: number) => {
    process.stderr.write(`vigil serve: ${message}\n`);
    return code;
  };
  let flags: ServeFlags | 'help';
  try {
    flags = parseServeFlags(argv, process.env);
  } catch (err) {
    if (err instanceof ServeUsageError) return fail(err.message, 2);
    throw err;
  }
  if (flags === 'help') {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  const log = createConsoleLogger();
  const signals = signalHandlers(log);
  if (flags.tokenSource === '--token') log.warn('--token: the token is visible to every local user (ps, /proc/*/cmdline); prefer VIGIL_API_TOKEN or --token-file');
  let running: Awaited<ReturnType<typeof startDaemon>>;
  try {
    const path = flags.configPath ?? exampleConfigPath();
    const readConfig = flags.configPath === null ? null : () => readConfigFile(path);
    running = await startDaemon({ ...flags, configText: readConfigFile(path), configSource: path, env: process.env, log, readConfig });
  } catch (err) {
    if (err instanceof ConfigFileError || err instanceof DataDirError) return fail(err.message, 2);
    if (err instanceof StoreSchemaError) return fail(err.message, EXIT_SCHEMA_TOO_NEW);
    const code = (err as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') return fail(`--port/--host: cannot listen on ${flags.host}:${flags.port} (${code})`, 2);
    return fail(`could not start: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
  return signals.run(running);
}

/**
 * Signal handling from before the daemon starts: a SIGTERM that lands between the start line
 * and the end of start-up is kept and acted on once the daemon runs (without a handler Node
 * would kill the process on the spot, with nothing flushed).
 */
function signalHandlers(log: ReturnType<typeof createConsoleLogger>) {
  let running: Awaited<ReturnType<typeof startDaemon>> | null = null;
  let early: string | null = null;
  let stopping = false;
  let resolveExit: (code: number) => void = () => undefined;
  const exit = new Promise<number>((resolve) => (resolveExit = resolve));
  const stop = (signal: string) => {
    if (running === null) {
      if (early !== null) {
        log.warn(`${signal} again during start-up: exiting without waiting`);
        process.exit(1);
      }
      early = signal;
      return;
    }
    if (stopping) {
      log.warn(`${signal} again: exiting without waiting`);
      resolveExit(1);
      return;
    }
    stopping = true;
    log.info(`${signal}: stopping (checks in flight finish, results are flushed)`);
    running.stop().then(
      () => resolveExit(0),
      (err: unknown) => {
        log.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        resolveExit(1);
      },
    );
  };
  process.on('SIGHUP', () => void running?.reload());
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return {
    /** the daemon is up: act on a signal that came during start-up, then wait for one */
    run(daemon: Awaited<ReturnType<typeof startDaemon>>): Promise<number> {
      running = daemon;
      if (early !== null) stop(early);
      return exit;
    },
  };
}
