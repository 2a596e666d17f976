import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createH2Server } from 'node:http2';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { fixtureCert, fixtureCertPath } from '../helpers/certs.js';
import { runVigil } from './run-vigil.js';

const CA_FILE = fixtureCertPath('ca.pem');
const RESULT_KEYS = ['connectionReused', 'detail', 'errorFamily', 'errorKind', 'errorPhase', 'httpVersion', 'kind',
  'responseBytes', 'startedAt', 'status', 'statusCode', 'target', 'timings', 'tls'];
const TIMING_KEYS = ['connectMs', 'dnsMs', 'receiveMs', 'tlsMs', 'totalMs', 'ttfbMs'];
const BODY = 'hello vigil\n';

interface SeenRequest {
  method: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A server on 127.0.0.1:0 answering 200 "hello vigil"; records what each request carried. */
async function withServer(fn: (base: string, seen: SeenRequest[]) => Promise<void>, server: Server = createServer()): Promise<void> {
  const seen: SeenRequest[] = [];
  server.on('request', (req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end(BODY);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const scheme = 'setSecureContext' in server ? 'https' : 'http';
  try {
    await fn(`${scheme}://127.0.0.1:${port}`, seen);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** A port with nothing listening: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createNetServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

function parseResult(stdout: string): Record<string, unknown> & { timings: Record<string, number | null> } {
  const lines = stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `--json prints one line:\n${stdout}`);
  return JSON.parse(lines[0]!) as Record<string, unknown> & { timings: Record<string, number | null> };
}

test('up: exit 0 and the human report (status, version and code, phases, bytes)', async () => {
  await withServer(async (base) => {
    const run = await runVigil(['check', '--allow-private', `${base}/health`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], `UP  ${base}/health`);
    assert.equal(lines[1], '  http      HTTP/1.1 200');
    // an IP literal skips DNS and plain http has no TLS: those phases did not happen
    assert.match(run.stdout, /^ {2}dns {7} *—$/m);
    assert.match(run.stdout, /^ {2}tls {7} *—$/m);
    for (const phase of ['connect', 'ttfb', 'receive', 'total']) {
      assert.match(run.stdout, new RegExp(`^  ${phase.padEnd(10)} *\\d+\\.\\d\\d ms$`, 'm'), phase);
    }
    assert.match(run.stdout, new RegExp(`^  bytes     ${BODY.length}$`, 'm'));
    assert.doesNotMatch(run.stdout, /error/);
  });
});

test('--json prints exactly one CheckResult with the schema keys', async () => {
  await withServer(async (base) => {
    const run = await runVigil(['check', '--allow-private', '--json', `${base}/`]);
    assert.equal(run.code, 0, run.stderr);
    const result = parseResult(run.stdout);
    assert.deepEqual(Object.keys(result).sort(), RESULT_KEYS);
    assert.deepEqual(Object.keys(result.timings).sort(), TIMING_KEYS);
    assert.equal(result.kind, 'http');
    assert.equal(result.target, `${base}/`);
    assert.equal(result.status, 'up');
    assert.equal(result.httpVersion, '1.1');
    assert.equal(result.statusCode, 200);
    assert.equal(result.responseBytes, BODY.length);
    assert.equal(result.errorKind, null);
    assert.equal(result.tls, null);
    assert.equal(result.timings.dnsMs, null);
    assert.equal(result.timings.tlsMs, null);
    assert.ok(typeof result.timings.connectMs === 'number' && result.timings.connectMs > 0);
    assert.ok(typeof result.timings.ttfbMs === 'number' && result.timings.ttfbMs > 0);
  });
});

test('a refused port: exit 1, kind connection_refused in JSON and explained in the human report', async () => {
  const port = await closedPort();
  const json = await runVigil(['check', '--allow-private', '--json', `http://127.0.0.1:${port}/`]);
  assert.equal(json.code, 1, json.stderr);
  const result = parseResult(json.stdout);
  assert.deepEqual([result.status, result.errorKind, result.errorFamily, result.errorPhase], ['down', 'connection_refused', 'transport', 'connect']);
  const human = await runVigil(['check', '--allow-private', `http://127.0.0.1:${port}/`]);
  assert.equal(human.code, 1);
  assert.match(human.stdout, /^DOWN {2}/);
  assert.match(human.stdout, /^ {2}error {5}connection_refused \(transport, connect phase\)$/m);
  assert.ok(human.stdout.includes('nothing listens on that port'));
  assert.match(human.stdout, /^ {2}detail {4}.*ECONNREFUSED/m);
});

test('--expect-status 500 against a 200: exit 1, unexpected_status', async () => {
  await withServer(async (base) => {
    const run = await runVigil(['check', '--allow-private', '--json', '--expect-status', '500', `${base}/`]);
    assert.equal(run.code, 1, run.stderr);
    const result = parseResult(run.stdout);
    assert.deepEqual([result.status, result.statusCode, result.errorKind, result.errorFamily], ['down', 200, 'unexpected_status', 'verdict']);
  });
});

test('the SSRF guard is on without --allow-private: loopback is refused as address_not_allowed', async () => {
  await withServer(async (base, seen) => {
    const run = await runVigil(['check', '--json', `${base}/`]);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(parseResult(run.stdout).errorKind, 'address_not_allowed');
    assert.equal(seen.length, 0, 'no request reached the server');
  });
});

test('--keyword: present → up, absent → body_match_failed', async () => {
  await withServer(async (base) => {
    const hit = await runVigil(['check', '--allow-private', '--json', '--keyword', 'vigil', `${base}/`]);
    assert.equal(hit.code, 0, hit.stdout);
    const miss = await runVigil(['check', '--allow-private', '--json', '--keyword', 'Vigil', `${base}/`]);
    assert.equal(miss.code, 1);
    assert.equal(parseResult(miss.stdout).errorKind, 'body_match_failed');
  });
});

test('--method, --body, --header and --basic-auth reach the server; the secret never reaches the output', async () => {
  await withServer(async (base, seen) => {
    const args = ['check', '--allow-private', '--method', 'post', '--body', 'ping', '--header', 'X-Probe: one',
      '--header', 'x-probe: two', '--user-agent', 'vigil-test/1', '--basic-auth', 'ann:hunter2', `${base}/submit`];
    const human = await runVigil(args);
    const json = await runVigil([...args, '--json']);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(json.code, 0, json.stderr);
    for (const out of [human.stdout, human.stderr, json.stdout, json.stderr]) {
      assert.ok(!out.includes('hunter2') && !out.includes(Buffer.from('ann:hunter2').toString('base64')), out);
    }
    assert.equal(seen.length, 2);
    const req = seen[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.body, 'ping');
    assert.equal(req.headers['x-probe'], 'one, two');
    assert.equal(req.headers['user-agent'], 'vigil-test/1');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('ann:hunter2').toString('base64')}`);
  });
});

test('--tcp host:port: up against a listener, connection_refused against a closed port', async () => {
  const server = createNetServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const up = await runVigil(['check', '--allow-private', '--json', '--tcp', `127.0.0.1:${port}`]);
    assert.equal(up.code, 0, up.stderr);
    const result = parseResult(up.stdout);
    assert.deepEqual([result.kind, result.target, result.status, result.httpVersion], ['tcp', `127.0.0.1:${port}`, 'up', null]);
    assert.ok(typeof result.timings.connectMs === 'number');
    const human = await runVigil(['check', '--allow-private', '--tcp', `127.0.0.1:${port}`]);
    assert.equal(human.code, 0);
    assert.equal(human.stdout.split('\n')[0], `UP  127.0.0.1:${port}`);
  } finally {
    server.close();
  }
  const refused = await runVigil(['check', '--allow-private', '--json', '--tcp', `127.0.0.1:${await closedPort()}`]);
  assert.equal(refused.code, 1);
  assert.equal(parseResult(refused.stdout).errorKind, 'connection_refused');
});

test('https: untrusted without --ca, up with --ca (TLS details printed) and with --insecure', async () => {
  const server = createHttpsServer({ ...fixtureCert('valid') });
  await withServer(async (base) => {
    const untrusted = await runVigil(['check', '--allow-private', '--json', `${base}/`]);
    assert.equal(untrusted.code, 1, untrusted.stderr);
    assert.equal(parseResult(untrusted.stdout).errorKind, 'cert_not_trusted');
    const trusted = await runVigil(['check', '--allow-private', '--ca', CA_FILE, `${base}/`]);
    assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
    assert.match(trusted.stdout, /^ {2}tls +\d+\.\d\d ms$/m);
    assert.match(trusted.stdout, /^ {2}protocol {2}TLSv1\.[23]/m);
    assert.match(trusted.stdout, /^ {2}issuer {4}\S/m);
    assert.match(trusted.stdout, /^ {2}expires {3}\d{4}-\d\d-\d\dT.* \(\d+ days? left\)$/m);
    const insecure = await runVigil(['check', '--allow-private', '--json', '--insecure', `${base}/`]);
    assert.equal(insecure.code, 0, insecure.stdout);
  }, server);
});

test('--h2c speaks HTTP/2 with prior knowledge to a cleartext server', async () => {
  const server = createH2Server((_req, res) => res.end(BODY)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const run = await runVigil(['check', '--allow-private', '--h2c', `http://127.0.0.1:${port}/`]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^ {2}http {6}HTTP\/2 200$/m);
  } finally {
    server.close();
  }
});

test('--follow-redirects follows; without it the 302 is judged as it is; --max-redirects 0 stops', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/old') res.writeHead(302, { location: '/new' }).end();
    else res.writeHead(200).end(BODY);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/old`;
    const followed = parseResult((await runVigil(['check', '--allow-private', '--json', '--follow-redirects', url])).stdout);
    assert.deepEqual([followed.status, followed.statusCode], ['up', 200]);
    const notFollowed = await runVigil(['check', '--allow-private', '--json', '--expect-status', '200', url]);
    assert.equal(notFollowed.code, 1);
    assert.deepEqual([parseResult(notFollowed.stdout).statusCode, parseResult(notFollowed.stdout).errorKind], [302, 'unexpected_status']);
    const capped = await runVigil(['check', '--allow-private', '--json', '--follow-redirects', '--max-redirects', '0', url]);
    assert.equal(capped.code, 1);
    assert.equal(parseResult(capped.stdout).errorKind, 'too_many_redirects');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('--degraded-after-ms: a slow answer is degraded (slow_response) and still exits 0', async () => {
  const DELAY_MS = 150;
  const server = createServer((_req, res) => void setTimeout(() => res.end(BODY), DELAY_MS));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const run = await runVigil(['check', '--allow-private', '--degraded-after-ms', '50', url]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^DEGRADED {2}/);
    assert.match(run.stdout, /^ {2}reason {4}slow_response \(verdict(, \w+ phase)?\)$/m);
    assert.ok(run.stdout.includes('slower than the degraded threshold'));
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
