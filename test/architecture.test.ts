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

  it('lint keeps the protocol engines (src/check/http1/, src/check/http2/) below the check layer', async () => {
    const eslint = new ESLint();
    const rejected = async (source: string, filePath: string): Promise<boolean> => {
      const [report] = await eslint.lintText(`${source}\nexport type X = unknown;\n`, { filePath });
      return report?.messages.some((m) => m.ruleId === 'no-restricted-imports') ?? false;
    };
    const checkLayer = [
      "import type { Clients } from '../clients.js';",
      "import { executeCheck } from '../index.js';",
      "import type { HopPlan } from '../http/hop-plan.js';",
      "import { H2SessionPool } from '../http/h2/session-pool.js';",
      "import type { CheckContext } from '../context/check-context.js';",
      "import { armBudget } from '../context/budget.js';",
      "import { connectWith } from '../net/connect.js';",
      "import { executeTcpCheck } from '../tcp/tcp-check.js';",
      "import { test } from 'node:test';",
    ];
    for (const engine of ['src/check/http1/x.ts', 'src/check/http2/x.ts']) {
      for (const source of checkLayer) assert.equal(await rejected(source, engine), true, `${source} in ${engine} must be rejected`);
      assert.equal(await rejected("import { Deadline } from '../context/deadline-clock.js';", engine), false, `${engine} may use the clock`);
    }
    // The HPACK codec one level further down, and the engines do not reach into each other.
    assert.equal(await rejected("import type { Clients } from '../../clients.js';", 'src/check/http2/hpack/x.ts'), true);
    assert.equal(await rejected("import type { HopRequest } from '../../exchange-types.js';", 'src/check/http2/hpack/x.ts'), true);
    assert.equal(await rejected("import { exchangeHttp1 } from '../http1/http1.js';", 'src/check/http2/x.ts'), true);
    assert.equal(await rejected("import { H2Session } from '../http2/session.js';", 'src/check/http1/x.ts'), true);
    // The HTTP/2 engine hands back its own outcomes; the check layer's exchange classifies them.
    assert.equal(await rejected("import { CheckFailure } from '../errors/check-failure.js';", 'src/check/http2/x.ts'), true);
    assert.equal(await rejected("import type { HopRequest } from '../exchange-types.js';", 'src/check/http2/x.ts'), true);
    assert.equal(await rejected("import type { HopRequest } from '../exchange-types.js';", 'src/check/http1/x.ts'), false);
    // Above the engines, the check layer uses them.
    assert.equal(await rejected("import { H2Session } from '../../http2/session.js';", 'src/check/http/h2/x.ts'), false);
    assert.equal(await rejected("import { exchangeHttp1 } from '../http1/http1.js';", 'src/check/http/x.ts'), false);
  });

  it('lint keeps test code out of what ships: node:test and test/ imports only in *.test.ts and test/', async () => {
    const eslint = new ESLint();
    const rejected = async (code: string, filePath: string): Promise<boolean> => {
      const [report] = await eslint.lintText(code, { filePath });
      return report?.messages.some((m) => m.ruleId === 'no-restricted-imports') ?? false;
    };
    const runner = "import { test } from 'node:test';\nexport const t = test;\n";
    const fixture = "import { httpResult } from '../../test/storage/store.fixtures.js';\nexport const r = httpResult;\n";
    for (const file of ['src/storage/x.ts', 'src/check/x.ts', 'src/api/x.ts', 'src/domain/x.ts', 'src/loadtest/mock-servers/x.ts']) {
      assert.equal(await rejected(runner, file), true, `node:test in ${file} must be rejected`);
      assert.equal(await rejected(fixture, file), true, `a test/ import in ${file} must be rejected`);
    }
    assert.equal(await rejected(runner, 'src/storage/x.test.ts'), false, 'a unit test beside the code may use node:test');
    assert.equal(await rejected(runner, 'test/storage/x.ts'), false, 'test/ may use node:test');
    // The network rule still holds where the test rule also applies.
    assert.equal(await rejected("import net from 'node:net';\nexport const x = net;\n", 'src/storage/x.ts'), true);
  });
});
