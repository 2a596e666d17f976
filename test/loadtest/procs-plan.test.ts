// PROCS=auto and an explicit PROCS against the fd budget: a pure function, tested as a table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInvocation } from '../../src/loadtest/options/load-test-options.js';
import { planProcs } from '../../src/loadtest/shards/procs-plan.js';

const BUDGET = { limit: 20_000, openAtStart: 40 };

function plan(env: Record<string, string>, budget = BUDGET): ReturnType<typeof planProcs> {
  return planProcs(parseInvocation([], env).options, budget);
}

test('HTTP/1 with in-process mocks: 2 fds per worker; auto takes as few processes as fit', () => {
  // 20,000 − 256 reserve − 40 open − 16 listeners = 19,688 free → 9,844 workers per process
  const one = plan({ CONCURRENCY: '9844' });
  assert.deepEqual(one.ok && [one.procs, one.reason], [1, 'fits one process: 9844 HTTP/1 workers hold 2 fds each (client socket + in-process mock socket) and one process may hold 20000 fds (ulimit -n): at most 9844 workers per process']);
  const two = plan({ CONCURRENCY: '9845' });
  assert.deepEqual(two.ok && two.procs, 2);
  const six = plan({ CONCURRENCY: '50000' });
  assert.deepEqual(six.ok && six.procs, 6);
});

test('MOCK_URLS: the mocks are another process, so 1 fd per worker and no listeners here', () => {
  // 20,000 − 256 − 40 = 19,704 free → 19,704 workers per process
  const one = plan({ CONCURRENCY: '19704', MOCK_URLS: 'http://127.0.0.1:4000/' });
  assert.ok(one.ok);
  assert.equal(one.procs, 1);
  assert.match(one.reason, /hold 1 fds each \(the client socket; MOCK_URLS mocks are another process\)/);
  const two = plan({ CONCURRENCY: '19705', MOCK_URLS: 'http://127.0.0.1:4000/' });
  assert.ok(two.ok);
  assert.equal(two.procs, 2);
  assert.doesNotMatch(two.reason, /each with its own mocks/);
});

test('HTTP/2 is not fd-bound; impossible plans say why', () => {
  const h2 = plan({ CONCURRENCY: '100000', HTTP2: '1' });
  assert.deepEqual(h2.ok && h2.procs, 1);
  const tiny = plan({ CONCURRENCY: '10' }, { limit: 200, openAtStart: 40 });
  assert.deepEqual(tiny, { ok: false, problem: 'cannot run: one process may hold 200 fds (ulimit -n), too few for 16 mock listeners and the harness itself' });
  const few = plan({ CONCURRENCY: '20000', PROCS: '2' });
  assert.ok(!few.ok && few.problem.startsWith('PROCS=2 cannot fit:') && few.problem.endsWith('needs PROCS>=3 (or PROCS=auto)'), JSON.stringify(few));
  const many = plan({ CONCURRENCY: '2', PROCS: '3' });
  assert.deepEqual(many, { ok: false, problem: 'PROCS=3 is more than CONCURRENCY=2: every process needs at least one worker' });
});
