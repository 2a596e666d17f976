import { isSuccess } from '../../domain/check-result.js';
import { redactResult } from '../../domain/redact.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from '../cli-io.js';
import { UsageError } from '../usage-error.js';
import { parseCheckArgs } from './check-command-def.js';
import { toCheckInvocation, type CheckInvocation } from './check-invocation.js';
import { formatCheckResult } from './format-check-result.js';

const HINT = '(see `vigil check --help`)';

function parseOrExplain(argv: readonly string[], io: CliIo): CheckInvocation | number {
  try {
    const parsed = parseCheckArgs(argv, io.writeOut);
    if (parsed === null) return EXIT_OK;
    return toCheckInvocation(parsed);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.writeErr(`vigil check: ${err.message} ${HINT}\n`);
    return EXIT_USAGE;
  }
}

/**
 * `vigil check`: parse → spec → buildClients → warm-up + executeCheck → print → exit code.
 * 0 up/degraded, 1 down/error, 2 bad input (one line on stderr, no stack trace).
 */
export async function runCheckCli(argv: readonly string[], io: CliIo): Promise<number> {
  const invocation = parseOrExplain(argv, io);
  if (typeof invocation === 'number') return invocation;
  // loaded only once the input is valid: bad input and --help never pay for the executor
  const [{ buildClients }, { executeOneShotCheck }] = await Promise.all([
    import('../../check/index.js'),
    import('../../check/warm-up/warm-up.js'),
  ]);
  let clients;
  try {
    clients = buildClients(invocation.clientConfig);
  } catch (err) {
    // the only user-supplied input buildClients parses is the CA bundle
    const reason = err instanceof Error ? err.message : String(err);
    io.writeErr(`vigil check: --ca: expected PEM certificates that OpenSSL accepts (${reason}) ${HINT}\n`);
    return EXIT_USAGE;
  }
  try {
    // The process's first-use costs go to throwaway checks on loopback, not into the phases.
    // The terminal and CI logs are outputs too: the URL's credentials and query secrets are hidden.
    const result = redactResult((await executeOneShotCheck(invocation.spec, clients)).result);
    io.writeOut(invocation.json ? `${JSON.stringify(result)}\n` : formatCheckResult(result, { color: io.useColor }));
    return isSuccess(result) ? EXIT_OK : EXIT_FAILED;
  } finally {
    await clients.close();
  }
}
