// scripts/loadtest-netns.sh for real: only as root with iproute2 (it creates a namespace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;
const hasIp = spawnSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).status === 0;
const skip = !isRoot ? 'needs root: ip netns add requires CAP_SYS_ADMIN' : !hasIp ? 'needs iproute2 (ip)' : false;

const namespaces = (): string[] =>
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.startsWith('vigil-loadtest-'));

test('loadtest-netns.sh runs the harness in a namespace with the kernel knobs and removes it', { skip }, () => {
  const before = namespaces();
  const out = spawnSync('sh', ['scripts/loadtest-netns.sh', '--', process.execPath, '--import', 'tsx', 'src/loadtest/main.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_TEST_CONTEXT: '', CONCURRENCY: '20', DURATION_SECS: '0.5', REPORT_SECS: '0', MOCK_PORTS: '2', SOMAXCONN: '8192' },
  });
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^ {2}net\.core\.somaxconn = 8192$/m);
  assert.match(out.stdout, /^ {2}net\.ipv4\.tcp_tw_reuse = 1$/m);
  assert.match(out.stdout, /^ {2}net\.ipv4\.ip_local_port_range = 10000\s+65535$/m);
  assert.match(out.stdout, /^ {2}net\.ipv4\.tcp_fin_timeout = 15$/m);
  assert.match(out.stdout, /^success +[\d,]+ \(100\.00%\)$/m);
  assert.deepEqual(namespaces(), before, 'the namespace is gone');
});
