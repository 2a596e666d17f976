import { PHASES } from '../../domain/check-result.js';
import type { LoadTestReport } from './report-schema.js';

/** The human summary printed on stdout at the end of a run. Pure: report in, text out. */
export function formatSummary(report: LoadTestReport): string {
  const c = report.config;
  const t = report.totals;
  const lines = [
    '--- vigil loadtest ---',
    row(
      'config',
      `CONCURRENCY=${c.concurrency} DURATION_SECS=${c.durationSecs} TIMEOUT_MS=${c.timeoutMs} RAMP_SECS=${c.rampSecs} HTTP2=${c.http2 ? 1 : 0} ` +
        (c.mockUrls === undefined
          ? `MOCK_PORTS=${c.mockPorts} TLS=${c.tls ? 1 : 0} MOCK_DELAY_MS=${delayText(c.mockDelayMs)} MOCK_FAULTS=${c.mockFaults}`
          : `MOCK_URLS=${c.mockUrls.join(',')} (mocks served by another process)`),
    ),
    row('mode', `${modeText(c)}; ${loopText(c)}`),
    row('procs', `${report.procs} (PROCS=${c.procs}: ${report.procsReason})`),
    ...(report.openLoop === null ? [row('workers', `${int(report.workersStarted)} started of ${int(c.concurrency)} (latest ${(report.rampLagMs / 1000).toFixed(2)} s behind its ramp slot)`)] : []),
    row('total checks', int(t.checks)),
    row('success', `${int(t.success)} (${t.successPct === null ? 'n/a' : `${t.successPct.toFixed(2)}%`})`),
    row('errors', int(t.errors)),
    ...errorKindLines(report),
    ...detailLines(report),
    row('elapsed', `${report.elapsedSecs.toFixed(2)} s${report.interrupted ? ' (interrupted)' : ''}`),
    row('rps', report.openLoop === null
      ? `${int(report.rps)} overall · ${report.steadyRps === null ? 'n/a' : int(report.steadyRps)} steady (after the ${c.rampSecs} s ramp)`
      : `${int(report.rps)} completed per second of the run`),
    ...(report.openLoop === null ? [row('latency ms', percentiles(report.latencyMs))] : openLoopLines(report.openLoop, report.latencyMs)),
    ...phaseLines(report.phasesMs),
    row('peak RSS', `${(report.peakRssBytes / 1024 / 1024).toFixed(1)} MiB${report.procs > 1 ? ' (sum of per-process peaks)' : ''}`),
    row('event loop', `delay p99 ${report.eventLoopDelayP99Ms.toFixed(1)} ms (load generator${report.procs > 1 ? ', worst shard' : ''})`),
    row('machine', `${report.machine.cpus} cpus · node ${report.machine.node} · ${report.machine.platform}/${report.machine.arch}`),
    ...report.warnings.map((w) => `warning: ${w}`),
  ];
  return `${lines.join('\n')}\n`;
}

function row(label: string, value: string): string {
  return `${label.padEnd(13)} ${value}`;
}

function modeText(c: LoadTestReport['config']): string {
  if (c.http2) return c.tls ? 'h2 over TLS (ALPN), pooled sessions' : 'h2c prior knowledge, pooled sessions (streams over few connections)';
  return c.tls ? 'HTTPS/1.1, one fresh connection + handshake per check' : 'HTTP/1.1, one fresh connection per check (Connection: close)';
}

function loopText(c: LoadTestReport['config']): string {
  if (c.rate === null) return `closed loop (${int(c.concurrency)} workers)`;
  const rate = c.rate.overSecs === null ? `${int(c.rate.fromPerSec)}/s` : `${int(c.rate.fromPerSec)}..${int(c.rate.toPerSec)}/s over ${c.rate.overSecs} s`;
  return `open loop (RATE ${rate}, at most ${int(c.concurrency)} in flight)`;
}

/** One line per phase that occurred (an IP-literal run has no dns; plain HTTP no tls). */
function phaseLines(phases: LoadTestReport['phasesMs']): string[] {
  return PHASES.filter((p) => phases[p].count > 0).map((p) => {
    const s = phases[p];
    return row(`${p} ms`, `p50 ${msText(s.p50)} · p90 ${msText(s.p90)} · p99 ${msText(s.p99)} · max ${msText(s.max)}  (${int(s.count)} checks)`);
  });
}

function openLoopLines(open: NonNullable<LoadTestReport['openLoop']>, fromStart: LoadTestReport['latencyMs']): string[] {
  const lines = [
    row('schedule', `${int(open.scheduled)} scheduled · ${int(open.started)} started · ${int(open.dropped)} dropped (cap reached)`),
    row('rate', `asked ${int(open.askedRatePerSec)}/s · started ${int(open.achievedRatePerSec)}/s (${pct(open.achievedRatePerSec, open.askedRatePerSec)} of asked)`),
    row('latency ms', `${percentiles(open.latencyFromIntendedMs)}  (from the intended start: coordinated omission corrected)`),
    row('', `${percentiles(fromStart)}  (from the actual start)`),
    row('schedule lag', `p50 ${msText(open.scheduleLagMs.p50)} · p99 ${msText(open.scheduleLagMs.p99)} · max ${msText(open.scheduleLagMs.max)} ms (actual start − intended start)`),
  ];
  const isRamp = new Set(open.windows.map((w) => Math.round(w.ratePerSec))).size > 1;
  if (isRamp) {
    lines.push('windows       from s      rate/s   scheduled   dropped   completed   p99 ms (from intended)');
    for (const w of open.windows) {
      lines.push(`  ${w.fromSecs.toFixed(0).padStart(16)} ${int(w.ratePerSec).padStart(11)} ${int(w.scheduled).padStart(11)} ${int(w.dropped).padStart(9)} ${int(w.completed).padStart(11)}   ${msText(w.p99FromIntendedMs)}`);
    }
  }
  const knee = open.knee;
  lines.push(row('knee', knee.ratePerSec === null
    ? `none: even the lowest rate had p99 ≥ ${knee.boundP99Ms} ms (or dropped > 1 %)`
    : `${int(knee.ratePerSec)} checks/s: the highest rate with p99 (from intended) < ${knee.boundP99Ms} ms and ≤ 1 % dropped`));
  return lines;
}

function pct(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${((part / whole) * 100).toFixed(2)}%`;
}

function delayText(d: LoadTestReport['config']['mockDelayMs']): string {
  return d.minMs === d.maxMs ? String(d.minMs) : `${d.minMs}-${d.maxMs}`;
}

function errorKindLines(report: LoadTestReport): string[] {
  const total = report.totals.errors;
  return Object.entries(report.errorsByKind)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `  ${kind.padEnd(26)} ${int(n).padStart(12)}  ${((n / total) * 100).toFixed(1)}% of errors`);
}

function detailLines(report: LoadTestReport): string[] {
  if (report.topErrors.length === 0) return [];
  return ['top error details', ...report.topErrors.map((d) => `  ${int(d.count).padStart(12)}  ${d.kind}: ${d.detail}`)];
}

function percentiles(l: LoadTestReport['latencyMs']): string {
  return `p50 ${msText(l.p50)} · p90 ${msText(l.p90)} · p95 ${msText(l.p95)} · p99 ${msText(l.p99)} · p99.9 ${msText(l.p999)} · max ${msText(l.max)}`;
}

function msText(ms: number | null): string {
  if (ms === null) return 'n/a';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The rolling progress line on stderr. */
export function formatProgress(p: { elapsedMs: number; checks: number; intervalRps: number; inFlight: number; errors: number }): string {
  return `[+${(p.elapsedMs / 1000).toFixed(1).padStart(6)}s] total=${p.checks} rps=${Math.round(p.intervalRps)} in_flight=${p.inFlight} errors=${p.errors}`;
}
