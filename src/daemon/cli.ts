/**
 * `vigil serve`: parses flags, starts the daemon (main.ts), wires signals. Bad flags or a
 * bad config file print one line naming the field and exit 2; no stack traces.
 */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { ConfigFileError } from '../config/daemon-config.js';
import { createConsoleLogger } from './logger.js';
import { readConfigFile, startDaemon } from './main.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './data';

export interface ServeFlags {
  configPath: string | null;
  host: string;
  port: number;
  dataDir: string;
  token: string | null;
}

export class ServeUsageError extends Error {
  override readonly name = 'ServeUsageError';
}

export const SERVE_USAGE = `Usage: vigil serve [options]

  --config <file>    YAML config (default: the embedded example, examples/vigil.yaml)
  --host <addr>      listen address (default ${DEFAULT_HOST})
  --port <n>         listen port, 0 = any free port (default ${DEFAULT_PORT})
  --data-dir <dir>   where vigil.db lives (default ${DEFAULT_DATA_DIR})
  --token <token>    API bearer token (or env VIGIL_API_TOKEN); required beyond loopback
  -h, --help         show this help

Signals: SIGHUP reloads the config; SIGTERM/SIGINT stop gracefully (checks finish, results flushed).
`;

const FLAGS = new Set(['--config', '--host', '--port', '--data-dir', '--token']);

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Parses argv (after `serve`). Throws ServeUsageError naming the flag. */
export function parseServeFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ServeFlags | 'help' {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return 'help';
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!FLAGS.has(name)) throw new ServeUsageError(`${arg}: unknown option (see vigil serve --help)`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new ServeUsageError(`${name}: expected a value`);
    if (values.has(name)) throw new ServeUsageError(`${name}: given more than once`);
    values.set(name, value);
  }
  const portText = values.get('--port') ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new ServeUsageError(`--port: expected an integer from 0 to 65535, got ${JSON.stringify(portText)}`);
  const host = values.get('--host') ?? DEFAULT_HOST;
  if (/[\s/]/.test(host)) throw new ServeUsageError(`--host: expected an IP address or host name, got ${JSON.stringify(host)}`);
  const token = values.get('--token') ?? (env.VIGIL_API_TOKEN === undefined || env.VIGIL_API_TOKEN === '' ? null : env.VIGIL_API_TOKEN);
  if (token !== null && token.length < 16) throw new ServeUsageError('--token: expected at least 16 characters (the value is not shown)');
  if (token === null && !isLoopbackHost(host)) {
    throw new ServeUsageError(`--host: ${host} is beyond loopback; set --token or VIGIL_API_TOKEN so the API is not open to the network`);
  }
  return { configPath: values.get('--config') ?? null, host, port, dataDir: values.get('--data-dir') ?? DEFAULT_DATA_DIR, token };
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
  let running: Awaited<ReturnType<typeof startDaemon>>;
  try {
    const path = flags.configPath ?? exampleConfigPath();
    const readConfig = flags.configPath === null ? null : () => readConfigFile(path);
    running = await startDaemon({ ...flags, configText: readConfigFile(path), configSource: path, env: process.env, log, readConfig });
  } catch (err) {
    if (err instanceof ConfigFileError) return fail(err.message, 2);
    const code = (err as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') return fail(`--port/--host: cannot listen on ${flags.host}:${flags.port} (${code})`, 2);
    return fail(`could not start: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
  return waitForSignals(running, log);
}

function waitForSignals(running: Awaited<ReturnType<typeof startDaemon>>, log: ReturnType<typeof createConsoleLogger>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onHup = () => void running.reload();
    const stop = (signal: string) => {
      if (stopping) {
        log.warn(`${signal} again: exiting without waiting`);
        resolve(1);
        return;
      }
      stopping = true;
      log.info(`${signal}: stopping (checks in flight finish, results are flushed)`);
      running.stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
          resolve(1);
        },
      );
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
