#!/usr/bin/env node
// HTTP/1 load harness vs wrk, side by side against ONE mock process (issue 12): starts
// `vigil loadtest --mocks-only --mock-ports 1`, then alternates
//   wrk -t2 -c200 -d<secs>s -H 'Connection: close' URL
//   MOCK_URLS=URL CONCURRENCY=200 RAMP_SECS=0 DURATION_SECS=<secs> vigil loadtest
// (order reversed every other round) and prints, per run, the rate, the CPU per request
// (user + system, from /proc/<pid>/stat; the harness's between its progress lines at +1 s and
// the last before its deadline, so its start-up is not counted) and the load average, then the
// median ratio. Needs `npm run build` first, wrk on PATH, Linux (/proc).
//
// `--floor` adds, to every round, the two yardsticks of scripts/node-floor-client.mjs (the
// least a Node program can do per connection: a bare `net.Socket`, and libuv's raw TCP handle)
// with the same 200 connections, and prints their ratios too: how far the harness is from
// Node's own floor, and how far that floor is from wrk.
//
//   node scripts/wrk-side-by-side.mjs [--rounds 3] [--secs 8] [--floor]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/src/cli/main.js');

function parseArgs(argv) {
  const args = { rounds: 3, secs: 8, floor: argv.includes('--floor') };
  argv = argv.filter((a) => a !== '--floor');
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if ((name !== 'rounds' && name !== 'secs') || !Number.isInteger(value) || value < 1 || value > 100) {
      process.stderr.write(`wrk-side-by-side: usage: [--rounds 1-100] [--secs 1-100] [--floor] (got ${argv[i]} ${argv[i + 1] ?? ''})\n`);
      process.exit(2);
    }
    args[name] = value;
  }
  return args;
}

/** utime and stime of a process, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
function cpuSecs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = 100; // USER_HZ on Linux
  return { user: Number(fields[11]) / ticks, sys: Number(fields[12]) / ticks };
}

function startMock(secs) {
  return new Promise((resolveUrl, reject) => {
    const mock = spawn(process.execPath, [cli, 'loadtest', '--mocks-only', '--mock-ports', '1', '--duration-secs', String(secs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    mock.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolveUrl({ mock, url: line });
    });
    mock.on('exit', (code) => reject(new Error(`the mock process exited (${code}) before printing its URL`)));
  });
}

/** Runs a client that prints wrk's `<n> requests in <s>s` line; CPU sampled from /proc. */
function runCounted(who, command, args) {
  return new Promise((done, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let cpu = { user: 0, sys: 0 };
    child.stdout.on('data', (chunk) => (out += chunk));
    const sampler = setInterval(() => {
      try { cpu = cpuSecs(child.pid); } catch { /* exited */ }
    }, 100);
    child.on('error', reject);
    child.on('exit', () => {
      clearInterval(sampler);
      const m = /(\d+) requests in ([\d.]+)s/.exec(out);
      if (m === null) return reject(new Error(`${who} printed no result:\n${out}`));
      const n = Number(m[1]);
      done({ who, rate: n / Number(m[2]), userUs: (cpu.user * 1e6) / n, sysUs: (cpu.sys * 1e6) / n, note: '' });
    });
  });
}

const runWrk = (url, secs) => runCounted('wrk', 'wrk', ['-t2', '-c200', `-d${secs}s`, '-H', 'Connection: close', url]);
const floorClient = join(root, 'scripts/node-floor-client.mjs');
const runNetFloor = (url, secs) => runCounted('net', process.execPath, [floorClient, 'net', url, '--concurrency', '200', '--secs', String(secs)]);
const runRawFloor = (url, secs) => runCounted('raw', process.execPath, [floorClient, 'raw', url, '--concurrency', '200', '--secs', String(secs)]);

function runHarness(url, secs) {
  return new Promise((done, reject) => {
    const env = { ...process.env, MOCK_URLS: url, CONCURRENCY: '200', RAMP_SECS: '0', DURATION_SECS: String(secs), REPORT_SECS: '1' };
    const child = spawn(process.execPath, [cli, 'loadtest'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let pending = '';
    const marks = [];
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => {
      pending += chunk;
      for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
        const m = /^\[\+\s*([\d.]+)s\] total=(\d+)/.exec(pending.slice(0, i));
        pending = pending.slice(i + 1);
        if (m !== null && Number(m[1]) < secs - 0.3) {
          try { marks.push({ at: Number(m[1]), checks: Number(m[2]), ...cpuSecs(child.pid) }); } catch { /* exited */ }
        }
      }
    });
    child.on('exit', (code) => {
      const first = marks[0];
      const last = marks[marks.length - 1];
      if (code !== 0 || first === undefined || last === first) return reject(new Error(`the harness run failed (exit ${code}):\n${out}`));
      const n = last.checks - first.checks;
      const success = /success\s+[\d,]+ \(([\d.]+)%\)/.exec(out)?.[1] ?? '?';
      // PROCS > 1: the checks run in child processes /proc/<pid> of the coordinator does not count.
      const sharded = process.env.PROCS !== undefined && process.env.PROCS !== '1' && process.env.PROCS !== 'auto';
      const cpu = sharded ? { userUs: NaN, sysUs: NaN } : { userUs: ((last.user - first.user) * 1e6) / n, sysUs: ((last.sys - first.sys) * 1e6) / n };
      done({ who: 'harness', rate: n / (last.at - first.at), ...cpu, note: `success ${success} %${sharded ? ` (PROCS=${process.env.PROCS}: CPU is in the shard processes, not measured)` : ''}` });
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const { rounds, secs, floor } = parseArgs(process.argv.slice(2));
const clients = floor ? [runWrk, runHarness, runNetFloor, runRawFloor] : [runWrk, runHarness];
const { mock, url } = await startMock(rounds * clients.length * (secs + 6) + 30);
const ratios = [];
const floorRatios = { harnessNet: [], netWrk: [], rawWrk: [] };
try {
  process.stdout.write(`${new Date().toISOString()} node ${process.version}, mock at ${url}\n`);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? clients : [...clients].reverse();
    const rows = {};
    for (const run of order) {
      const load = loadavg()[0].toFixed(2);
      const row = await run(url, secs);
      rows[row.who] = row;
      process.stdout.write(
        `${new Date().toISOString().slice(11, 19)}  load ${load}  ${row.who.padEnd(7)}  ${row.rate.toFixed(0).padStart(6)}/s  ` +
          `CPU per request ${(row.userUs + row.sysUs).toFixed(1)} µs (user ${row.userUs.toFixed(1)}, system ${row.sysUs.toFixed(1)})  ${row.note}\n`,
      );
    }
    ratios.push(rows.harness.rate / rows.wrk.rate);
    if (floor) {
      floorRatios.harnessNet.push(rows.harness.rate / rows.net.rate);
      floorRatios.netWrk.push(rows.net.rate / rows.wrk.rate);
      floorRatios.rawWrk.push(rows.raw.rate / rows.wrk.rate);
    }
  }
  const line = (name, list) => `${name}: ${list.map((r) => r.toFixed(2)).join(', ')} (median ${median(list).toFixed(2)}×)`;
  process.stdout.write(`${line('harness / wrk', ratios)}; goal ≥ 0.8×\n`);
  if (floor) {
    process.stdout.write(`${line('harness / bare net.Socket client', floorRatios.harnessNet)}\n`);
    process.stdout.write(`${line('bare net.Socket client / wrk', floorRatios.netWrk)}\n`);
    process.stdout.write(`${line('raw TCP handle client / wrk', floorRatios.rawWrk)}\n`);
  }
} finally {
  mock.kill('SIGINT');
}
