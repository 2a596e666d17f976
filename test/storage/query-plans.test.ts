import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { openDatabase } from '../../src/storage/sqlite/open-database.js';

// Every hot query must search an index, never scan a table. The SQL mirrors the prepared
// statements in src/storage/sqlite/*-repo.ts and summaries.ts.
const PLANS: Record<string, [string, RegExp]> = {
  'results page': [
    'SELECT * FROM results WHERE target_key = 1 AND started_at >= 0 AND started_at < 9 AND started_at <= 5 AND (started_at, id) < (5, 4) ORDER BY started_at DESC, id DESC LIMIT 10',
    /SEARCH results USING INDEX results_by_target_time \(target_key=\? AND started_at>\? AND started_at<\?\)/,
  ],
  uptime: ['SELECT status, in_maintenance, count(*) FROM results WHERE target_key = 1 AND started_at >= 0 AND started_at < 5 GROUP BY status, in_maintenance', /COVERING INDEX results_by_target_time/],
  latency: ['SELECT dns_us, connect_us, tls_us, ttfb_us, receive_us, total_us FROM results WHERE target_key = 1 AND started_at >= 0 AND started_at < 5', /COVERING INDEX results_by_target_time/],
  'rollup rows': ['SELECT target_key, status, dns_us FROM results WHERE started_at >= 0 AND started_at < 5', /INDEX results_by_time/],
  retention: ['DELETE FROM results WHERE id IN (SELECT id FROM results WHERE started_at < 5 LIMIT 10)', /COVERING INDEX results_by_time/],
  'rollup range': ['SELECT * FROM rollups WHERE target_key = 1 AND hour_start >= 0 AND hour_start < 9 ORDER BY hour_start', /SEARCH rollups USING PRIMARY KEY/],
  'rollup retention': ['DELETE FROM rollups WHERE hour_start < 5', /INDEX rollups_by_hour/],
  incidents: ['SELECT * FROM incidents WHERE 1 ORDER BY (closed_at IS NULL) DESC, opened_at DESC, id DESC LIMIT 10', /INDEX incidents_order/],
  'incidents of a target': [
    "SELECT * FROM incidents WHERE 1 AND target_id = 'x' ORDER BY (closed_at IS NULL) DESC, opened_at DESC, id DESC LIMIT 10",
    /INDEX incidents_by_target/,
  ],
  'open incident': ["SELECT * FROM incidents WHERE target_id = 'x' AND closed_at IS NULL", /INDEX incidents_one_open/],
};

it('hot queries use their indexes (EXPLAIN QUERY PLAN)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-plans-'));
  const db = openDatabase({ path: join(dir, 'plans.db') });
  try {
    for (const [name, [sql, expected]] of Object.entries(PLANS)) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      assert.match(plan, expected, `${name}: ${plan}`);
      assert.doesNotMatch(plan, /SCAN (results|rollups)\b/, `${name}: ${plan}`);
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
