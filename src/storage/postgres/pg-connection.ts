/**
 * Connecting to Postgres: the store URL's form, the pool, and the wait for a database that
 * is not up yet. One pool per store; node-postgres does the wire protocol.
 */
import pg from 'pg';

/** What `vigil serve --store`, `storage.url` and `VIGIL_STORE` accept for Postgres. */
export interface PostgresOptions {
  /** postgres://user[:password]@host[:port]/database[?schema=name] (or postgresql://) */
  url: string;
  /** overrides the URL's ?schema=; default "vigil". Every table lives in this schema. */
  schema?: string;
  /** pool size; default 10 */
  maxConnections?: number;
  /** a statement running longer than this is cancelled by the server; default 30 s */
  statementTimeoutMs?: number;
  /** how long to wait for a free pooled connection or a TCP connect; default 10 s */
  connectTimeoutMs?: number;
  /** pg's application_name, shown in pg_stat_activity (the cluster uses the node id) */
  applicationName?: string;
}

const DEFAULT_SCHEMA = 'vigil';
const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const SCHEMA_FORM = /^[a-z_][a-z0-9_]{0,62}$/;

/** A store URL or option Vigil cannot use; `field` names the flag or option. */
export class PostgresUrlError extends Error {
  override readonly name = 'PostgresUrlError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ParsedPostgresUrl {
  /** the URL without Vigil's own ?schema= parameter (what node-postgres gets) */
  connectionString: string;
  schema: string;
  /** user@host:port/database, no password: safe for logs */
  display: string;
}

/** Validates a postgres:// URL; throws PostgresUrlError naming what is wrong (never echoes a password). */
export function parsePostgresUrl(url: string, field = 'url'): ParsedPostgresUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PostgresUrlError(field, `${field}: expected postgres://user@host[:port]/database, got something that is not a URL`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new PostgresUrlError(field, `${field}: expected a postgres:// or postgresql:// URL, got scheme ${JSON.stringify(u.protocol.replace(/:$/, ''))}`);
  }
  if (u.hostname === '') throw new PostgresUrlError(field, `${field}: the URL names no host`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw new PostgresUrlError(field, `${field}: expected one database name in the path (postgres://host/vigil)`);
  const schema = u.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_FORM.test(schema)) throw new PostgresUrlError(field, `${field}: schema must match [a-z_][a-z0-9_]{0,62}, got ${JSON.stringify(schema)}`);
  u.searchParams.delete('schema');
  const user = u.username === '' ? '' : `${decodeURIComponent(u.username)}@`;
  return { connectionString: u.toString(), schema, display: `${user}${u.hostname}${u.port === '' ? '' : `:${u.port}`}/${database}` };
}

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_FORM.test(schema)) throw new PostgresUrlError('schema', `schema: must match [a-z_][a-z0-9_]{0,62}, got ${JSON.stringify(schema)}`);
  return schema;
}

/** int8 (counts, epoch ms, µs timings) as a JS number: every value Vigil stores is < 2^53. */
const INT8_OID = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The pool. Every connection starts with search_path = the store's schema, so no SQL names
 * the schema. An idle connection the server kills (restart, pg_terminate_backend) emits
 * 'error' on the pool: `onIdleError` hears it; without a listener node would crash.
 */
export function createPool(options: PostgresOptions, schema: string, onIdleError: (err: Error) => void): pg.Pool {
  const parsed = parsePostgresUrl(options.url);
  const pool = new pg.Pool({
    connectionString: parsed.connectionString,
    max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    application_name: options.applicationName ?? 'vigil',
    options: `-c search_path=${schema}`,
    types: TYPES,
  });
  pool.on('error', onIdleError);
  return pool;
}

/**
 * Runs `body` in one transaction on one pooled connection; rolls back when it throws. While
 * checked out a connection has no pool listener: a backend killed mid-transaction would
 * emit an unhandled 'error' (a crash), so one is attached here, and a broken connection is
 * destroyed on release instead of returning to the pool.
 */
export async function inTransaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const value = await body(client);
    await client.query('COMMIT');
    return value;
  } catch (err) {
    if (broken === undefined) await client.query('ROLLBACK').catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/** The Postgres error code (SQLSTATE) of a driver error, or null. */
export function sqlState(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** 57P01 admin shutdown (pg_terminate_backend), 57P02 crash shutdown, 57P03 cannot connect now, 53300 too many connections */
const OUTAGE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * Is this error the database being away (retry later) rather than a refused statement (a
 * bad row, retried in vain)? Used by the result pipeline to keep results through an outage.
 */
export function isPostgresOutage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'StoreUnavailableError') return true;
  const state = sqlState(err);
  if (state !== null) return state.startsWith('08') || OUTAGE_STATES.has(state);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && OUTAGE_CODES.has(code)) return true;
  // node-postgres' own words for a socket that ended or a pool that could not connect in time
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(err.message);
}
