// Keeps ARCHITECTURE.md honest: every path it names exists, and the lint rules it describes
// really reject a forbidden import.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const doc = readFileSync('ARCHITECTURE.md', 'utf8');

describe('ARCHITECTURE.md', () => {
  it('names only paths that exist', () => {
    const paths = new Set<string>();
    for (const m of doc.matchAll(/\b((?:src|test|bench|docs|scripts)\/[\w./-]*[\w/])/g)) {
      const p = (m[1] as string).replace(/\/\*\*$/, '').replace(/\*\*$/, '');
      if (!p.includes('*')) paths.add(p);
    }
    assert.ok(paths.size > 20, `expected many paths, found ${paths.size}`);
    const missing = [...paths].filter((p) => !existsSync(p));
    assert.deepEqual(missing, []);
  });

  it('lint rejects node:net outside src/check and node-free domain imports of other modules', async () => {
    const eslint = new ESLint();
    const [outside] = await eslint.lintText("import net from 'node:net';\nexport const x = net;\n", { filePath: 'src/scheduler/x.ts' });
    assert.ok(outside?.messages.some((m) => m.ruleId === 'no-restricted-imports'), 'node:net in src/scheduler must be rejected');
    const [inside] = await eslint.lintText("import net from 'node:net';\nexport const x = net;\n", { filePath: 'src/check/x.ts' });
    assert.ok(!inside?.messages.some((m) => m.ruleId === 'no-restricted-imports'), 'node:net in src/check is allowed');
    const [domain] = await eslint.lintText("import type { Clients } from '../check/clients.js';\nexport type X = Clients;\n", { filePath: 'src/domain/x.ts' });
    assert.ok(domain?.messages.some((m) => m.ruleId === 'no-restricted-imports'), 'src/domain importing src/check must be rejected');
  });

  it('lint keeps the HTTP/2 engine below the check layer', async () => {
    const eslint = new ESLint();
    for (const source of ["import type { Clients } from '../../clients.js';", "import type { HopRequest } from '../../http/exchange-types.js';", "import { H2Failure } from '../h2-failure.js';"]) {
      const [result] = await eslint.lintText(`${source}\nexport type X = unknown;\n`, { filePath: 'src/check/http2/engine/x.ts' });
      assert.ok(result?.messages.some((m) => m.ruleId === 'no-restricted-imports'), `${source} in the engine must be rejected`);
    }
    const [allowed] = await eslint.lintText("import { Deadline } from '../../deadline-clock.js';\nexport const X = Deadline;\n", { filePath: 'src/check/http2/engine/x.ts' });
    assert.ok(!allowed?.messages.some((m) => m.ruleId === 'no-restricted-imports'), 'the engine may use the clock');
  });
});
