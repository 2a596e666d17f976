import {
  FormError,
  KnobError,
  parseDelayRange,
  parseFaultMix,
  parseFlag01,
  parseIntegerIn,
  parseMockUrls,
  parseNumberIn,
  parsePath,
  parseProcs,
  parseRate,
  type DelayRangeMs,
  type FaultShare,
  type RateSchedule,
} from './knob-parsers.js';

/** Everything a run needs, parsed and validated once. Frozen. */
export interface LoadTestOptions {
  readonly concurrency: number;
  readonly durationSecs: number;
  readonly timeoutMs: number;
  /** mock listeners: MOCK_PORTS, or how many MOCK_URLS were given */
  readonly mockPorts: number;
  /** drive these already-running mocks (loopback only) instead of starting our own; null = start ours */
  readonly mockUrls: readonly string[] | null;
  readonly rampSecs: number;
  readonly http2: boolean;
  readonly tls: boolean;
  /** 0 = no progress line */
  readonly reportSecs: number;
  readonly procs: number | 'auto';
  readonly mockDelayMs: DelayRangeMs;
  readonly mockFaults: readonly FaultShare[];
  readonly jsonPath: string | null;
  readonly baselinePath: string | null;
  readonly maxRpsDropPct: number;
  readonly maxP99RisePct: number;
  /** open loop: checks started on this schedule, CONCURRENCY at most in flight; null = closed loop */
  readonly rate: RateSchedule | null;
  /** open loop: the knee is the highest rate whose p99 (from the intended start) stays under this */
  readonly kneeP99Ms: number;
}

interface KnobDef<K extends keyof LoadTestOptions> {
  readonly env: string;
  readonly key: K;
  /** default as the user would type it; null = unset */
  readonly defaultText: string | null;
  readonly meaning: string;
  readonly parse: (raw: string) => LoadTestOptions[K];
  /** boolean knobs may be given as a bare flag, meaning 1 */
  readonly bare?: string;
}

type AnyKnob = { [K in keyof LoadTestOptions]: KnobDef<K> }[keyof LoadTestOptions];

const knob = <K extends keyof LoadTestOptions>(def: KnobDef<K>): AnyKnob => def as unknown as AnyKnob;

/** The knob table: env name, option, default, meaning, parser. `--help` is generated from it. */
export const KNOBS: readonly AnyKnob[] = Object.freeze([
  knob({ env: 'CONCURRENCY', key: 'concurrency', defaultText: '50000', meaning: 'concurrent virtual workers', parse: parseIntegerIn(1, 1_000_000) }),
  knob({ env: 'DURATION_SECS', key: 'durationSecs', defaultText: '30', meaning: 'how long to drive load; the ramp counts inside it', parse: parseNumberIn(0, 86_400, true) }),
  knob({ env: 'TIMEOUT_MS', key: 'timeoutMs', defaultText: '5000', meaning: 'per-check timeout', parse: parseIntegerIn(1, 600_000) }),
  knob({ env: 'MOCK_PORTS', key: 'mockPorts', defaultText: '16', meaning: 'mock listeners; worker i uses listener i mod MOCK_PORTS', parse: parseIntegerIn(1, 1024) }),
  knob({ env: 'MOCK_URLS', key: 'mockUrls', defaultText: null, meaning: 'drive mocks already running on loopback (comma-separated URLs from --mocks-only) instead of starting our own', parse: parseMockUrls }),
  knob({ env: 'RAMP_SECS', key: 'rampSecs', defaultText: '2', meaning: 'linear start stagger: worker i starts at i x RAMP_SECS / CONCURRENCY (default: 2 or DURATION_SECS if shorter)', parse: parseNumberIn(0, 86_400) }),
  knob({ env: 'HTTP2', key: 'http2', defaultText: '0', meaning: '1 = h2c with prior knowledge (h2 via ALPN with TLS=1), pooled sessions', parse: parseFlag01, bare: '1' }),
  knob({ env: 'TLS', key: 'tls', defaultText: '0', meaning: '1 = mocks serve HTTPS (a certificate made at start, trusted via its CA)', parse: parseFlag01, bare: '1' }),
  knob({ env: 'REPORT_SECS', key: 'reportSecs', defaultText: '1', meaning: 'interval of the progress line on stderr; 0 = off', parse: parseNumberIn(0, 3600) }),
  knob({ env: 'PROCS', key: 'procs', defaultText: 'auto', meaning: 'processes to shard the run over (auto: as few as the fd budget allows)', parse: parseProcs }),
  knob({ env: 'MOCK_DELAY_MS', key: 'mockDelayMs', defaultText: '0', meaning: 'mock response delay: a number, or min-max for a uniform spread', parse: parseDelayRange }),
  knob({ env: 'MOCK_FAULTS', key: 'mockFaults', defaultText: 'none', meaning: 'fault mix, e.g. 500:0.01,reset:0.005,slow:0.001,close:0.001', parse: parseFaultMix }),
  knob({ env: 'JSON', key: 'jsonPath', defaultText: null, meaning: 'also write the machine-readable report to this path', parse: parsePath }),
  knob({ env: 'BASELINE', key: 'baselinePath', defaultText: null, meaning: 'an earlier JSON report to compare with (exit 1 on regression)', parse: parsePath }),
  knob({ env: 'MAX_RPS_DROP_PCT', key: 'maxRpsDropPct', defaultText: '10', meaning: 'BASELINE: fail when rps fell by more than this %', parse: parseNumberIn(0, 100) }),
  knob({ env: 'RATE', key: 'rate', defaultText: null, meaning: 'open loop: checks/s on a fixed schedule (or a ramp from..to/Ns, e.g. 1000..20000/10s); unset = closed loop', parse: parseRate }),
  knob({ env: 'KNEE_P99_MS', key: 'kneeP99Ms', defaultText: '100', meaning: 'open loop: the knee is the highest rate with p99 (from the intended start) under this', parse: parseNumberIn(0, 3_600_000, true) }),
  knob({ env: 'MAX_P99_RISE_PCT', key: 'maxP99RisePct', defaultText: '25', meaning: 'BASELINE: fail when p99 rose by more than this %', parse: parseNumberIn(0, 100_000) }),
]);

function flagOf(env: string): string {
  return `--${env.toLowerCase().replaceAll('_', '-')}`;
}

export interface ParsedInvocation {
  readonly options: LoadTestOptions;
  readonly help: boolean;
  /** start the mock servers, print their URLs, serve for DURATION_SECS, stop (for wrk/h2load) */
  readonly mocksOnly: boolean;
}

/**
 * Reads the knobs from the environment, then the flags (flags win). Throws KnobError for a
 * bad value or an unknown flag; the message is one line naming the variable and its form.
 */
export function parseInvocation(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedInvocation {
  const raw = new Map<string, string>();
  for (const k of KNOBS) {
    const value = env[k.env];
    if (value !== undefined) raw.set(k.env, value);
  }
  const { help, mocksOnly } = readFlags(argv, raw);
  const values: Record<string, unknown> = {};
  for (const k of KNOBS) {
    const text = raw.get(k.env) ?? k.defaultText;
    values[k.key] = text === null ? null : parseOne(k, text);
  }
  // The default ramp (2 s) shrinks to a shorter DURATION_SECS; an explicit longer one is refused.
  if (!raw.has('RAMP_SECS')) values['rampSecs'] = Math.min(values['rampSecs'] as number, values['durationSecs'] as number);
  const rate = values['rate'] as RateSchedule | null;
  if (rate !== null) {
    // In the open loop the schedule is the ramp; a worker ramp would silently mean nothing.
    if (raw.has('RAMP_SECS')) throw KnobError.invalid('RAMP_SECS', flagOf('RAMP_SECS'), raw.get('RAMP_SECS') ?? '', 'unset with RATE (the open loop has no worker ramp; ramp the rate with RATE=from..to/Ns)');
    values['rampSecs'] = 0;
    if (rate.overSecs !== null) {
      if (raw.has('DURATION_SECS') && values['durationSecs'] !== rate.overSecs) {
        throw KnobError.invalid('DURATION_SECS', flagOf('DURATION_SECS'), raw.get('DURATION_SECS') ?? '', `unset or ${rate.overSecs} with RATE=${raw.get('RATE') ?? ''} (the ramp's length is the run's duration)`);
      }
      values['durationSecs'] = rate.overSecs;
    }
  }
  const mockUrls = values['mockUrls'] as readonly string[] | null;
  if (mockUrls !== null) {
    // The mock knobs configure mocks we start; with MOCK_URLS we start none, so they would mean nothing.
    for (const env of ['MOCK_PORTS', 'MOCK_DELAY_MS', 'MOCK_FAULTS', 'TLS']) {
      if (raw.has(env)) throw KnobError.invalid(env, flagOf(env), raw.get(env) ?? '', `unset with MOCK_URLS (it configures the mocks this run would start; set it on the --mocks-only process instead)`);
    }
    if (mocksOnly) throw KnobError.invalid('MOCK_URLS', flagOf('MOCK_URLS'), raw.get('MOCK_URLS') ?? '', 'unset with --mocks-only (which starts mocks, it does not drive them)');
    values['mockPorts'] = mockUrls.length;
  }
  const options = values as unknown as LoadTestOptions;
  if (options.rampSecs > options.durationSecs) {
    throw KnobError.invalid('RAMP_SECS', flagOf('RAMP_SECS'), String(options.rampSecs), `at most DURATION_SECS (${options.durationSecs}): the ramp counts inside the duration`);
  }
  return { options: Object.freeze(options), help, mocksOnly };
}

function parseOne(k: AnyKnob, text: string): unknown {
  try {
    return k.parse(text);
  } catch (err) {
    if (err instanceof FormError) throw KnobError.invalid(k.env, flagOf(k.env), text, err.expected);
    throw err;
  }
}

function readFlags(argv: readonly string[], raw: Map<string, string>): { help: boolean; mocksOnly: boolean } {
  let help = false;
  let mocksOnly = false;
  const byFlag = new Map(KNOBS.map((k) => [flagOf(k.env), k]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg === '--mocks-only') {
      mocksOnly = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const k = byFlag.get(name);
    if (k === undefined) throw new KnobError(arg, `unknown flag ${JSON.stringify(arg)}: see vigil loadtest --help`);
    if (eq !== -1) raw.set(k.env, arg.slice(eq + 1));
    else if (k.bare !== undefined) raw.set(k.env, k.bare);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new KnobError(k.env, `${name} needs a value (env ${k.env})`);
      raw.set(k.env, next);
      i++;
    }
  }
  return { help, mocksOnly };
}

export function helpText(): string {
  const rows = KNOBS.map((k) => {
    const flag = k.bare === undefined ? `${flagOf(k.env)} <v>` : `${flagOf(k.env)}[=0|1]`;
    return `  ${k.env.padEnd(17)} ${flag.padEnd(24)} default ${(k.defaultText ?? 'unset').padEnd(6)} ${k.meaning}`;
  });
  return [
    'Usage: vigil loadtest [flags]   (npm run loadtest)',
    '',
    'Drives the production check executor against its own mock servers on 127.0.0.1 and prints',
    'throughput, latency and phase percentiles and errors by kind. Closed loop by default',
    '(CONCURRENCY workers, each starting its next check when the last ends); RATE=n runs an open',
    'loop instead (n checks/s on a fixed schedule, latency also from the intended start).',
    'Every knob is an environment variable and a flag; flags override the environment.',
    '',
    ...rows,
    '',
    '  --mocks-only   start the mock servers, print their URLs, serve for DURATION_SECS, exit',
    '                 (point wrk or h2load at them for a side-by-side run)',
    '  --help         this text',
    '',
    'Exit: 0 completed, 1 BASELINE regression, 2 invalid knob or run cannot fit, 3 run failed,',
    '      130 interrupted.',
    'See docs/loadtest.md.',
    '',
  ].join('\n');
}
