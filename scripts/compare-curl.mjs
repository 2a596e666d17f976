#!/usr/bin/env node
// One-shot timings side by side: `curl -w` and `vigil check --json`, run alternately against a
// local nginx (plain HTTP and TLS), medians printed per phase. Needs `npm run build` first
// (it runs bin/vigil.js, the way a person would), nginx and curl on PATH.
//
//   node scripts/compare-curl.mjs [--runs 30] [--json]
//
// Phases compared (curl's -w variables, in seconds, turned into ms):
//   connect  = time_connect - time_namelookup          vigil connectMs
//   tls      = time_appconnect - time_connect          vigil tlsMs
//   ttfb     = time_starttransfer - time_pretransfer   vigil ttfbMs (request written -> first byte)
//   receive  = time_total - time_starttransfer         vigil receiveMs
//   total    = time_total                              vigil totalMs
// The targets are IP literals (127.0.0.1), so neither side resolves a name.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, loadavg, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The phase list and the fixture certificates come from the build (one home each): every
// phase but dns, which neither side has against an IP literal.
let PHASES;
let fixtureCertPath;
try {
  PHASES = (await import(join(root, 'dist/src/domain/check-result.js'))).PHASES.filter((phase) => phase !== 'dns');
  ({ fixtureCertPath } = await import(join(root, 'dist/test/helpers/certs.js')));
} catch (err) {
  process.stderr.write(`compare-curl: run \`npm run build\` first (${err.message})\n`);
  process.exit(2);
}
const certs = dirname(fixtureCertPath('ca.pem'));

function parseArgs(argv) {
  const args = { runs: 30, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') args.json = true;
    else if (arg === '--runs') {
      const runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1 || runs > 1000) fail(`--runs: expected an integer from 1 to 1000, got ${JSON.stringify(argv[i])}`);
      args.runs = runs;
    } else fail(`unknown argument ${JSON.stringify(arg)} (expected --runs N, --json)`);
  }
  return args;
}

function fail(message) {
  process.stderr.write(`compare-curl: ${message}\n`);
  process.exit(2);
}

function freePort() {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function nginxConfig(dir, plainPort, tlsPort) {
  return `worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${plainPort};
    location / { return 200 "ok\\n"; }
  }
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${certs}/valid.pem;
    ssl_certificate_key ${certs}/valid-key.pem;
    location / { return 200 "ok\\n"; }
  }
}
`;
}

async function waitForPort(port, deadlineMs) {
  while (Date.now() < deadlineMs) {
    const probe = spawnSync('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${port}/`], { timeout: 2000 });
    if (probe.status === 0) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  fail(`nginx did not answer on 127.0.0.1:${port}`);
}

function curlOnce(url) {
  const format = '{"namelookup":%{time_namelookup},"connect":%{time_connect},"appconnect":%{time_appconnect},"pretransfer":%{time_pretransfer},"starttransfer":%{time_starttransfer},"total":%{time_total}}';
  const run = spawnSync('curl', ['-s', '-o', '/dev/null', '--cacert', join(certs, 'ca.pem'), '-w', format, url], { encoding: 'utf8', timeout: 10_000 });
  if (run.status !== 0) fail(`curl ${url} exited ${run.status}: ${run.stderr}`);
  const t = JSON.parse(run.stdout);
  const ms = (s) => Math.round(s * 1e6) / 1e3;
  const isTls = url.startsWith('https:');
  return {
    connect: ms(t.connect - t.namelookup),
    tls: isTls ? ms(t.appconnect - t.connect) : null,
    ttfb: ms(t.starttransfer - t.pretransfer),
    receive: ms(t.total - t.starttransfer),
    total: ms(t.total),
  };
}

function vigilOnce(url) {
  const args = [join(root, 'bin/vigil.js'), 'check', '--json', '--allow-private', url];
  if (url.startsWith('https:')) args.splice(3, 0, '--ca', join(certs, 'ca.pem'));
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0) fail(`vigil check ${url} exited ${run.status}: ${run.stdout}${run.stderr}`);
  const t = JSON.parse(run.stdout).timings;
  return Object.fromEntries(PHASES.map((phase) => [phase, t[`${phase}Ms`]]));
}

function median(values) {
  const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The goal of issue 12: within max(1 ms, 25 %) of curl's. */
function withinGoal(vigil, curl) {
  if (vigil === null || curl === null) return vigil === curl;
  return Math.abs(vigil - curl) <= Math.max(1, 0.25 * curl);
}

function summarize(label, runs) {
  const rows = {};
  for (const phase of PHASES) {
    const curl = median(runs.map((r) => r.curl[phase]));
    const vigil = median(runs.map((r) => r.vigil[phase]));
    rows[phase] = { curl, vigil, ok: phase === 'total' ? null : withinGoal(vigil, curl) };
  }
  // totalMs <= sum of phases + 1 ms, per run (vigil)
  const gaps = runs.map((r) => r.vigil.total - PHASES.slice(0, 4).reduce((sum, p) => sum + (r.vigil[p] ?? 0), 0));
  return { label, rows, vigilTotalMinusPhasesMs: { median: median(gaps), max: Math.max(...gaps) } };
}

function fmt(v) {
  return v === null ? '—' : v.toFixed(3);
}

function printTable(summary) {
  const out = [`${summary.label}`, '  phase       curl ms   vigil ms   within max(1 ms, 25 %)'];
  for (const phase of PHASES) {
    const { curl, vigil, ok } = summary.rows[phase];
    out.push(`  ${phase.padEnd(8)} ${fmt(curl).padStart(10)} ${fmt(vigil).padStart(10)}   ${ok === null ? '' : ok ? 'yes' : 'NO'}`);
  }
  const gap = summary.vigilTotalMinusPhasesMs;
  out.push(`  vigil total - sum of phases: median ${fmt(gap.median)} ms, max ${fmt(gap.max)} ms`);
  return out.join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'vigil-curl-'));
  const [plainPort, tlsPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, plainPort, tlsPort));
  const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/pid; error_log stderr;`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((done) => nginx.once('exit', done));
  const stop = async () => {
    nginx.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(plainPort, Date.now() + 5000);
    const targets = [
      ['plain HTTP', `http://127.0.0.1:${plainPort}/`],
      ['HTTPS', `https://127.0.0.1:${tlsPort}/`],
    ];
    const summaries = [];
    for (const [label, url] of targets) {
      curlOnce(url); // nginx's own first-use costs are paid before either side is measured
      const runs = [];
      for (let i = 0; i < args.runs; i++) {
        // alternate which goes first, so neither always follows the other
        if (i % 2 === 0) runs.push({ curl: curlOnce(url), vigil: vigilOnce(url) });
        else {
          const vigil = vigilOnce(url);
          runs.push({ curl: curlOnce(url), vigil });
        }
      }
      summaries.push(summarize(label, runs));
    }
    const meta = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadavg: loadavg().map((l) => l.toFixed(2)).join(' '),
      runs: args.runs,
    };
    if (args.json) process.stdout.write(`${JSON.stringify({ meta, summaries })}\n`);
    else {
      process.stdout.write(`${meta.date}  Node ${meta.node}  ${meta.cpus} CPUs  load ${meta.loadavg}  ${meta.runs} alternating runs each (medians)\n\n`);
      process.stdout.write(`${summaries.map(printTable).join('\n\n')}\n`);
    }
  } finally {
    await stop();
  }
}

await main();
