// Stand-alone entry of the harness (`node dist/src/loadtest/main.js`), the same as
// `vigil loadtest`; tests and scripts/loadtest-netns.sh use it when the main CLI is absent.
import { runLoadtestCli } from './cli.js';

process.exitCode = await runLoadtestCli(process.argv.slice(2));
