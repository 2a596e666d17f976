import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCheckCli } from './check/run-check-cli.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './cli-io.js';

type SubcommandRunner = (argv: string[], io: CliIo) => Promise<number>;

interface Subcommand {
  readonly summary: string;
  readonly run: SubcommandRunner;
  /** finishes when its result is printed (vs. long-running serve/loadtest) */
  readonly isOneShot: boolean;
}

type ExternalRunner = (argv: string[]) => Promise<number>;

/**
 * A subcommand that lives in another module, loaded only when it is asked for, so a module
 * that is missing from a build only breaks its own subcommand (with one clear line, exit 1).
 */
export function lazySubcommand(name: string, load: () => Promise<ExternalRunner>): SubcommandRunner {
  return async (argv, io) => {
    let run: ExternalRunner;
    try {
      run = await load();
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
      const reason = String((err as Error).message).split('\n')[0];
      io.writeErr(`vigil ${name}: not available in this build (${reason})\n`);
      return EXIT_FAILED;
    }
    return run(argv);
  };
}

const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  check: {
    summary: 'run one check now and print the result (vigil check <url> | --tcp host:port)',
    run: runCheckCli,
    isOneShot: true,
  },
  serve: {
    summary: 'run the monitor daemon',
    run: lazySubcommand('serve', async () => (await import('../daemon/cli.js')).runServeCli),
    isOneShot: false,
  },
  cluster: {
    summary: 'show the nodes sharing a Postgres store (vigil cluster status --store postgres://…)',
    run: lazySubcommand('cluster', async () => (await import('../cluster/cli.js')).runClusterCli),
    isOneShot: true,
  },
  loadtest: {
    summary: 'run the load-test harness',
    run: lazySubcommand('loadtest', async () => (await import('../loadtest/cli.js')).runLoadtestCli),
    isOneShot: false,
  },
};

function usageText(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((n) => n.length)) + 2;
  const commands = Object.entries(SUBCOMMANDS).map(([name, sub]) => `  ${name.padEnd(width)}${sub.summary}`);
  return [
    'Usage: vigil <command> [options]',
    '',
    'Commands:',
    ...commands,
    '',
    'Options:',
    '  -h, --help     show this help',
    '  -V, --version  show the version',
    '',
    'Run `vigil <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/** The version in Vigil's package.json, found by walking up from this file (src/ or dist/src/). */
function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vigil' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

export function isOneShot(argv: readonly string[]): boolean {
  const name = argv[0];
  return name !== undefined && Object.hasOwn(SUBCOMMANDS, name) && SUBCOMMANDS[name]?.isOneShot === true;
}

/** Dispatches `vigil <command> …`; resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.writeErr(usageText());
    return EXIT_USAGE;
  }
  if (first === '-h' || first === '--help') {
    io.writeOut(usageText());
    return EXIT_OK;
  }
  if (first === '-V' || first === '--version') {
    io.writeOut(`${readVersion()}\n`);
    return EXIT_OK;
  }
  if (first === 'help') {
    const target = rest[0];
    if (target === undefined) {
      io.writeOut(usageText());
      return EXIT_OK;
    }
    return runCli([target, '--help'], io);
  }
  const sub = Object.hasOwn(SUBCOMMANDS, first) ? SUBCOMMANDS[first] : undefined;
  if (sub === undefined) {
    const what = first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`;
    io.writeErr(`vigil: ${what} (expected one of: ${Object.keys(SUBCOMMANDS).join(', ')}; see \`vigil --help\`)\n`);
    return EXIT_USAGE;
  }
  return sub.run(rest, io);
}
