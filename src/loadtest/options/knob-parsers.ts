/**
 * Strict parsers for the load-test knobs. Each returns the parsed value or throws a
 * KnobError naming the accepted form; nothing ever falls back to a default silently.
 */
export class KnobError extends Error {
  constructor(
    /** the env variable (or the unknown flag) at fault */
    readonly knob: string,
    message: string,
  ) {
    super(message);
    this.name = 'KnobError';
  }

  static invalid(knob: string, flag: string, raw: string, expected: string): KnobError {
    return new KnobError(knob, `${knob}=${JSON.stringify(raw)} is invalid: expected ${expected} (env ${knob} or flag ${flag})`);
  }
}

/** Thrown by a parser with only the accepted form; the caller adds knob, flag and raw text. */
export class FormError extends Error {
  constructor(readonly expected: string) {
    super(expected);
    this.name = 'FormError';
  }
}

const INTEGER = /^\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;

export function parseIntegerIn(min: number, max: number): (raw: string) => number {
  const form = `an integer from ${min} to ${max}`;
  return (raw) => {
    if (!INTEGER.test(raw)) throw new FormError(form);
    const value = Number(raw);
    if (value < min || value > max) throw new FormError(form);
    return value;
  };
}

/** Non-negative decimal in [min, max]; `exclusiveMin` refuses min itself (DURATION_SECS > 0). */
export function parseNumberIn(min: number, max: number, exclusiveMin = false): (raw: string) => number {
  const form = `a number ${exclusiveMin ? 'greater than' : 'from'} ${min}${exclusiveMin ? ' and at most' : ' to'} ${max}`;
  return (raw) => {
    if (!DECIMAL.test(raw)) throw new FormError(form);
    const value = Number(raw);
    if (value > max || value < min || (exclusiveMin && value === min)) throw new FormError(form);
    return value;
  };
}

export function parseFlag01(raw: string): boolean {
  if (raw === '0') return false;
  if (raw === '1') return true;
  throw new FormError('0 or 1');
}

export const MAX_PROCS = 64;

export function parseProcs(raw: string): number | 'auto' {
  if (raw === 'auto') return 'auto';
  if (!INTEGER.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PROCS) {
    throw new FormError(`"auto" or an integer from 1 to ${MAX_PROCS}`);
  }
  return Number(raw);
}

export interface DelayRangeMs {
  readonly minMs: number;
  readonly maxMs: number;
}

const MAX_DELAY_MS = 60_000;

export function parseDelayRange(raw: string): DelayRangeMs {
  const form = `milliseconds as a number or "min-max" (0 to ${MAX_DELAY_MS}, min <= max), e.g. 5 or 1-20`;
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw);
  if (m === null) throw new FormError(form);
  const minMs = Number(m[1]);
  const maxMs = m[2] === undefined ? minMs : Number(m[2]);
  if (maxMs > MAX_DELAY_MS || minMs > maxMs) throw new FormError(form);
  return Object.freeze({ minMs, maxMs });
}

/**
 * What a mock does instead of answering 200: a status code, a TCP reset, closing without a
 * response, or answering only after the client's timeout.
 */
export type FaultKind = { readonly type: 'status'; readonly statusCode: number } | { readonly type: 'reset' | 'close' | 'slow' };

export interface FaultShare {
  readonly fault: FaultKind;
  /** probability in (0, 1]; the shares of one mix sum to at most 1 */
  readonly probability: number;
}

export function faultLabel(fault: FaultKind): string {
  return fault.type === 'status' ? String(fault.statusCode) : fault.type;
}

export function parseFaultMix(raw: string): readonly FaultShare[] {
  const form = '"none" or a list like 500:0.01,reset:0.005,slow:0.001,close:0.001 (kinds: a status code 100-599, reset, close, slow; probabilities in (0,1] summing to at most 1)';
  if (raw === 'none') return Object.freeze([]);
  const shares: FaultShare[] = [];
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    const m = /^([a-z]+|\d{3}):(\d+(?:\.\d+)?|\.\d+)$/.exec(part.trim());
    if (m === null) throw new FormError(form);
    const [, name = '', probText = ''] = m;
    const probability = Number(probText);
    if (!(probability > 0 && probability <= 1) || seen.has(name)) throw new FormError(form);
    seen.add(name);
    shares.push(Object.freeze({ fault: faultOf(name, form), probability }));
  }
  const total = shares.reduce((sum, s) => sum + s.probability, 0);
  if (total > 1 + 1e-9) throw new FormError(form);
  return Object.freeze(shares);
}

function faultOf(name: string, form: string): FaultKind {
  if (name === 'reset' || name === 'close' || name === 'slow') return Object.freeze({ type: name });
  const code = Number(name);
  if (!INTEGER.test(name) || code < 100 || code > 599) throw new FormError(form);
  return Object.freeze({ type: 'status', statusCode: code });
}

export function parsePath(raw: string): string {
  if (raw.trim() === '' || raw.includes('\0')) throw new FormError('a file path');
  return raw;
}

/** Open-loop arrival rate: fixed (from = to), or a linear ramp from → to over `overSecs`. */
export interface RateSchedule {
  readonly fromPerSec: number;
  readonly toPerSec: number;
  /** the ramp form's length (it is the run's duration); null for a fixed rate */
  readonly overSecs: number | null;
}

const MAX_RATE_PER_SEC = 1_000_000;
const MAX_RATE_RAMP_SECS = 3_600;

export function parseRate(raw: string): RateSchedule {
  const form = `checks per second (a number from 1 to ${MAX_RATE_PER_SEC}), or a ramp "from..to/Ns" such as 1000..20000/10s (N from 1 to ${MAX_RATE_RAMP_SECS})`;
  const fixed = /^(\d+(?:\.\d+)?)$/.exec(raw);
  const ramp = /^(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)s$/.exec(raw);
  const inRange = (n: number): boolean => n >= 1 && n <= MAX_RATE_PER_SEC;
  if (fixed !== null) {
    const rate = Number(fixed[1]);
    if (!inRange(rate)) throw new FormError(form);
    return Object.freeze({ fromPerSec: rate, toPerSec: rate, overSecs: null });
  }
  if (ramp === null) throw new FormError(form);
  const [fromPerSec, toPerSec, overSecs] = [Number(ramp[1]), Number(ramp[2]), Number(ramp[3])];
  if (!inRange(fromPerSec) || !inRange(toPerSec) || !(overSecs >= 1 && overSecs <= MAX_RATE_RAMP_SECS)) throw new FormError(form);
  return Object.freeze({ fromPerSec, toPerSec, overSecs });
}

const MAX_MOCK_URLS = 1024;

/** `hostname` as the WHATWG URL parser gives it: an IPv4 host is already canonical dotted-quad. */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * MOCK_URLS: mock servers already running elsewhere on this machine (e.g. `--mocks-only` in its
 * own process, pinned to its own CPU), as comma-separated http:// URLs. Loopback only: the
 * harness is a load generator, and pointing it at someone else's host is not a test.
 */
export function parseMockUrls(raw: string): readonly string[] {
  const form = `comma-separated http:// URLs on loopback (127.0.0.0/8, [::1] or localhost) with a port, at most ${MAX_MOCK_URLS}, e.g. http://127.0.0.1:40001/ as printed by --mocks-only`;
  const parts = raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0 || parts.length > MAX_MOCK_URLS) throw new FormError(form);
  return Object.freeze(
    parts.map((part) => {
      let url: URL;
      try {
        url = new URL(part);
      } catch {
        throw new FormError(form);
      }
      if (url.protocol !== 'http:' || url.port === '' || url.username !== '' || url.password !== '' || !isLoopbackHost(url.hostname)) throw new FormError(form);
      return url.href;
    }),
  );
}
