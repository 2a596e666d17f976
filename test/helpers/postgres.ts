/**
 * A real Postgres for tests: each store gets a schema of its own in the `test` database
 * (VIGIL_TEST_PG_URL overrides the server), dropped when the test file ends.
 */
import { after } from 'node:test';
import pg from 'pg';

export const TEST_PG_URL = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Hands out fresh schema names and drops every one of them after the file's tests. */
export function schemaPool(prefix: string): { next(): string; urlFor(schema: string): string; drop(): Promise<void> } {
  const created: string[] = [];
  let n = 0;
  const tag = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const self = {
    next(): string {
      const name = `${tag}_${n++}`.toLowerCase();
      created.push(name);
      return name;
    },
    urlFor(schema: string): string {
      return `${TEST_PG_URL}?schema=${schema}`;
    },
    async drop(): Promise<void> {
      if (created.length === 0) return;
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        for (const name of created.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
  after(() => self.drop());
  return self;
}

/** Runs one SQL statement as the superuser on the test database. */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
