/**
 * The `vigil` entry point (bin/vigil.js imports the compiled copy). It only binds the CLI to
 * the real process (colour only on a terminal, and not when NO_COLOR is set, see no-color.org): the dispatcher and the commands live in run-cli.ts and check/.
 */
import { runCli } from './run-cli.js';
import type { CliIo } from './usage-error.js';

const io: CliIo = {
  writeOut: (text) => void process.stdout.write(text),
  writeErr: (text) => void process.stderr.write(text),
  useColor: process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '',
};

process.exitCode = await runCli(process.argv.slice(2), io);
