/**
 * The `vigil` entry point (bin/vigil.js imports the compiled copy). It only binds the CLI to
 * the real process: the dispatcher and the commands live in run-cli.ts and check/.
 */
import { isOneShot, runCli } from './run-cli.js';
import type { CliIo } from './cli-io.js';

/** how long a one-shot command may linger after its result before we leave anyway */
const ONE_SHOT_GRACE_MS = 1_000;

const io: CliIo = {
  writeOut: (text) => void process.stdout.write(text),
  writeErr: (text) => void process.stderr.write(text),
  // colour only on a terminal, and not when NO_COLOR is set to anything (see no-color.org)
  useColor: process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '',
};

const argv = process.argv.slice(2);
process.exitCode = await runCli(argv, io);

if (argv[0] === 'serve') {
  // serve returns after its shutdown completed and logged (results and incidents written,
  // pending alerts saved, the store closed and the data dir unlocked): a keep-alive socket or
  // a timer some library still holds must not keep the process past its `shutdown:` line.
  process.exit();
}

if (isOneShot(argv)) {
  // The result is printed and the clients are closed; a handle still open now is a leak in a
  // library, and must not keep the user's shell waiting. The timer is unref'd: a clean process
  // exits at once without it. Saying so on stderr keeps the leak visible (tests assert stderr).
  setTimeout(() => {
    process.stderr.write(`vigil ${argv[0]}: warning: an open handle outlived the command; exiting anyway\n`);
    process.exit();
  }, ONE_SHOT_GRACE_MS).unref();
}
