import { PHASES, timingKey, type CheckResult, type CheckStatus, type TlsInfo, type Timings } from '../../domain/check-result.js';
import { ERROR_EXPLANATION } from '../../domain/error-kind.js';

export interface FormatOptions {
  /** wrap status, error kind and missing phases in ANSI colours */
  readonly color?: boolean;
}

const LABEL_WIDTH = 10;
const MISSING = '—';
const STATUS_COLOR: Record<CheckStatus, string> = { up: '32', degraded: '33', down: '31', error: '31' };

type Paint = (code: string, text: string) => string;

function painter(color: boolean): Paint {
  return color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
}

function line(label: string, value: string): string {
  return `  ${label.padEnd(LABEL_WIDTH)}${value}`;
}

/** One line per phase; numbers right-aligned on the decimal point, "—" for a phase that did not happen. */
function timingLines(timings: Timings, paint: Paint): string[] {
  const texts = PHASES.map((phase) => {
    const ms = timings[timingKey(phase)];
    return ms === null ? null : ms.toFixed(2);
  });
  const width = Math.max(1, ...texts.map((t) => (t === null ? 1 : t.length)));
  return PHASES.map((label, i) => {
    const text = texts[i] ?? null;
    return text === null ? line(label, paint('2', MISSING.padStart(width))) : line(label, `${text.padStart(width)} ms`);
  });
}

function expiryText(tls: TlsInfo): string | null {
  if (tls.certExpiresAt === null) return null;
  const days = tls.daysRemaining;
  if (days === null) return tls.certExpiresAt;
  const left = days < 0 ? `expired ${-days} day${days === -1 ? '' : 's'} ago` : `${days} day${days === 1 ? '' : 's'} left`;
  return `${tls.certExpiresAt} (${left})`;
}

function tlsLines(tls: TlsInfo): string[] {
  const parts = [tls.protocol, tls.alpn === null ? null : `ALPN ${tls.alpn}`, tls.cipher].filter((p) => p !== null);
  const out: string[] = [];
  if (parts.length > 0) out.push(line('protocol', parts.join('  ')));
  if (tls.certSubject !== null) out.push(line('subject', tls.certSubject));
  if (tls.certIssuer !== null) out.push(line('issuer', tls.certIssuer));
  const expiry = expiryText(tls);
  if (expiry !== null) out.push(line('expires', expiry));
  return out;
}

function errorLines(result: CheckResult, paint: Paint): string[] {
  const out: string[] = [];
  if (result.errorKind !== null) {
    const where = [result.errorFamily, result.errorPhase === null ? null : `${result.errorPhase} phase`].filter((p) => p !== null);
    // a degraded check still passed: its kind is the reason for the warning, not an error
    const isWarning = result.status === 'degraded' || result.status === 'up';
    const suffix = where.length > 0 ? ` (${where.join(', ')})` : '';
    out.push(line(isWarning ? 'reason' : 'error', `${paint(isWarning ? '33' : '31', result.errorKind)}${suffix}`));
    out.push(line('', ERROR_EXPLANATION[result.errorKind]));
  }
  if (result.detail !== null) out.push(line('detail', result.detail.replace(/\s*\n\s*/g, ' ')));
  return out;
}

function httpLine(result: CheckResult): string {
  if (result.httpVersion === null && result.statusCode === null) return line('http', MISSING);
  const version = result.httpVersion === null ? MISSING : `HTTP/${result.httpVersion}`;
  return line('http', `${version} ${result.statusCode ?? MISSING}`);
}

/**
 * The human report of one check: status and target, HTTP version and code, one aligned line per
 * phase in ms, response bytes, TLS details, and for failures the error kind with its family,
 * phase, plain-language explanation and raw detail. Pure; ends with a newline.
 */
export function formatCheckResult(result: CheckResult, options: FormatOptions = {}): string {
  const paint = painter(options.color === true);
  const head = `${paint(`1;${STATUS_COLOR[result.status]}`, result.status.toUpperCase())}  ${result.target}`;
  const lines = [head];
  if (result.kind === 'http') lines.push(httpLine(result));
  lines.push(...timingLines(result.timings, paint));
  if (result.responseBytes !== null) lines.push(line('bytes', String(result.responseBytes)));
  if (result.connectionReused) lines.push(line('reused', 'yes (pooled connection: dns, connect and tls were not measured)'));
  if (result.tls !== null) lines.push(...tlsLines(result.tls));
  lines.push(...errorLines(result, paint));
  return `${lines.join('\n')}\n`;
}
