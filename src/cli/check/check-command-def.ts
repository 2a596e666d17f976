import { Command, CommanderError } from 'commander';
import { UsageError } from '../usage-error.js';

/** The raw, still-unvalidated values commander collected for `vigil check`. */
export interface RawCheckFlags {
  json?: boolean;
  timeoutMs?: string;
  connectTimeoutMs?: string;
  method?: string;
  header?: string[];
  body?: string;
  expectStatus?: string;
  keyword?: string;
  bodyRegex?: string;
  degradedAfterMs?: string;
  followRedirects?: boolean;
  maxRedirects?: string;
  insecure?: boolean;
  ca?: string;
  h2c?: boolean;
  allowPrivate?: boolean;
  tcp?: string;
  userAgent?: string;
  basicAuth?: string;
  bearer?: string;
}

export interface ParsedArgs {
  url: string | undefined;
  flags: RawCheckFlags;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function defineCheckCommand(writeOut: (text: string) => void): Command {
  return new Command('check')
    .name('vigil check')
    .usage('<url> [options]   |   vigil check --tcp host:port [options]')
    .description('Run one check now, print the result, exit 0 (up/degraded), 1 (down/error) or 2 (bad input).')
    .argument('[url]', 'http:// or https:// URL to check (omit with --tcp)')
    .option('--json', 'print the CheckResult as one JSON object')
    .option('--timeout-ms <ms>', 'overall budget in ms, 1-3600000 (default 10000)')
    .option('--connect-timeout-ms <ms>', 'TCP connect budget in ms, 1-3600000 (default 5000)')
    .option('--method <method>', 'HTTP method (default GET)')
    .option('--header <header>', "request header 'Name: value' (repeatable)", collect)
    .option('--body <text>', 'request body')
    .option('--expect-status <list>', 'expected status codes, e.g. 200,204,300-399 (default 200-399)')
    .option('--keyword <text>', 'the body must contain this text (case-sensitive)')
    .option('--body-regex <regex>', 'the body must match this JavaScript regular expression')
    .option('--degraded-after-ms <ms>', 'slower than this → degraded (slow_response), 1-3600000')
    .option('--follow-redirects', 'follow redirects (each hop on a fresh connection)')
    .option('--max-redirects <n>', 'redirects followed at most, 0-10 (default 10; needs --follow-redirects)')
    .option('--insecure', 'do not verify the TLS certificate')
    .option('--ca <file>', 'extra trusted CA certificate(s), PEM file')
    .option('--h2c', 'speak HTTP/2 without negotiation (prior knowledge; h2c on http://)')
    .option('--allow-private', 'allow loopback, private and reserved target addresses')
    .option('--tcp <host:port>', 'TCP connect check instead of a URL')
    .option('--user-agent <text>', 'User-Agent header')
    .option('--basic-auth <user:password>', 'HTTP basic authentication (never printed)')
    .option('--bearer <token>', 'HTTP bearer token (never printed)')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut, writeErr: () => {}, outputError: () => {} });
}

/** Commander reports some errors over several lines ("(Did you mean …?)"); keep one line. */
function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .join(' ');
}

/**
 * Parses `vigil check` arguments. Returns null when help was printed (exit 0);
 * throws UsageError for an unknown flag, a missing value or an extra argument.
 */
export function parseCheckArgs(argv: readonly string[], writeOut: (text: string) => void): ParsedArgs | null {
  const command = defineCheckCommand(writeOut);
  try {
    command.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return null;
      throw new UsageError(oneLine(err.message));
    }
    throw err;
  }
  const url = command.args[0];
  return { url, flags: command.opts<RawCheckFlags>() };
}
