// Runs every *.test.ts under src/ and test/ with node's own test runner (Node 20's --test
// does not expand globs itself). Tests run through tsx so no build step is needed; the
// runner's own summary is the last thing printed. Pass files or folders to run a subset.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir, out) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

// Arguments may be test files or folders (a folder runs every *.test.ts below it).
const args = process.argv.slice(2);
const files = (args.length > 0 ? args : ['src', 'test'])
  .flatMap((arg) => (statSync(arg).isDirectory() ? collect(arg, []) : [arg]))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no *.test.ts files in ' + args.join(' '));
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
