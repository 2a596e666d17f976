/**
 * `vigil cluster status`: a thin shell over readClusterStatus. Exit 0: every region has a
 * live node and all its shards are held; 1: part of the fleet is not checked (the problems
 * are printed); 2: bad flags, an unreachable database or a schema without cluster tables
 * (one line, no stack).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parsePostgresUrl, PostgresUrlError } from '../storage/postgres/pg-connection.js';
import { ClusterSchemaMissingError, formatClusterStatus, readClusterStatus } from './cluster-status.js';

const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 10_000;

const USAGE = `Usage: vigil cluster status [options]

Shows the nodes sharing one Postgres store: id, region, state (live = heartbeat within the
lease), heartbeat age, event-loop lag, shards held and when those leases expire; per region
the live nodes and shards held. Exit 0: every region covered; 1: a region has no live node
or shards no node holds; 2: bad flags or the database cannot be read.

  --store <url>   postgres://user@host[:port]/db[?schema=name] (or env VIGIL_STORE)
  --json          print the status as JSON (the same fields)
  -h, --help      show this help
`;

class ClusterUsageError extends Error {}

function flagsOf(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): { store: string; json: boolean } | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { store: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '?';
    throw new ClusterUsageError((err as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? `${flag}: expected a value` : `${flag}: unknown option (see vigil cluster --help)`);
  }
  if (parsed.values.help === true) return 'help';
  const [command, ...rest] = parsed.positionals;
  if (command !== 'status') throw new ClusterUsageError(command === undefined ? 'expected a command: status (see vigil cluster --help)' : `${JSON.stringify(command.slice(0, 40))}: unknown command (vigil cluster status)`);
  if (rest.length > 0) throw new ClusterUsageError(`${JSON.stringify(rest[0]!.slice(0, 40))}: unexpected argument`);
  const [field, url] = parsed.values.store !== undefined ? ['--store', parsed.values.store] : ['VIGIL_STORE', env.VIGIL_STORE];
  if (url === undefined || url === '') throw new ClusterUsageError('--store: expected a postgres:// URL (or set VIGIL_STORE)');
  try {
    parsePostgresUrl(url, field);
  } catch (err) {
    if (err instanceof PostgresUrlError) throw new ClusterUsageError(err.message);
    throw err;
  }
  return { store: url, json: parsed.values.json === true };
}

export async function runClusterCli(argv: string[]): Promise<number> {
  const fail = (message: string): number => {
    process.stderr.write(`vigil cluster: ${message}\n`);
    return 2;
  };
  let flags;
  try {
    flags = flagsOf(argv, process.env);
  } catch (err) {
    if (err instanceof ClusterUsageError) return fail(err.message);
    throw err;
  }
  if (flags === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const url = parsePostgresUrl(flags.store);
  const client = new pg.Client({
    connectionString: url.connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: 'vigil cluster status',
    options: `-c search_path=${url.schema}`,
  });
  // a connection the server drops mid-read must not crash the process (the query rejects)
  client.on('error', () => undefined);
  try {
    await client.connect();
    const status = await readClusterStatus(client);
    process.stdout.write(flags.json ? `${JSON.stringify(status, null, 2)}\n` : formatClusterStatus(status));
    return status.problems.length === 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof ClusterSchemaMissingError) return fail(`${url.display} schema ${url.schema}: ${err.message}`);
    const code = (err as { code?: unknown }).code;
    const why = typeof code === 'string' ? `${code}: ${err instanceof Error ? err.message : ''}` : err instanceof Error ? err.message : String(err);
    return fail(`cannot read the cluster from ${url.display} (${why.split('\n')[0]})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
