// Lint enforces the import boundaries described in ARCHITECTURE.md: only the check
// executor (src/check/**) and the servers (API, mock servers, test helpers) may touch the
// network modules; src/domain/** imports nothing outside itself; nothing that ships imports
// node:test or test/; the protocol engines (src/check/http1/, src/check/http2/) import nothing
// of the check layer above them. test/architecture.test.ts tries each rule.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NETWORK_MODULES = ['net', 'tls', 'http', 'https', 'http2', 'dns', 'dgram'].flatMap((m) => [m, `node:${m}`]);

const networkBan = {
  paths: NETWORK_MODULES.map((name) => ({
    name,
    message: 'Only src/check/** and servers may import network modules (see ARCHITECTURE.md).',
  })),
  patterns: [{ group: ['undici', 'undici/*'], message: 'Only src/check/** and bench/ may use undici.' }],
};

// What ships (src/ outside *.test.ts) never imports the test runner or anything under test/.
const testBan = {
  paths: [{ name: 'node:test', message: 'Test code lives in *.test.ts files or test/; it must not ship in dist/src.' }],
  patterns: [{ group: ['**/test/**'], message: 'Production code never imports test/ (fixtures, helpers, contract suites).' }],
};
const both = { paths: [...networkBan.paths, ...testBan.paths], patterns: [...networkBan.patterns, ...testBan.patterns] };
const SERVERS = ['src/check/**', 'src/api/**', 'src/loadtest/mock-servers/**'];

// The protocol engines sit below the check (ARCHITECTURE.md, rule 6): src/check/http1/ and
// src/check/http2/ get a socket, limits, a clock (and the HTTP/2 engine an HPACK decoder);
// they import neither the check layer (src/check/http/, clients.ts, index.ts, the other check
// kinds, connect) nor the per-check state (CheckContext, budget), nor each other. The HTTP/1.1
// engine reports classified failures (errors/) in the hop types (exchange-types.ts); the
// HTTP/2 engine not even those: the check layer's exchange (src/check/http/h2/) maps its
// outcomes.
const CHECK_LAYER = [
  '**/http/**',
  '**/clients.js',
  '../index.js',
  '../../index.js',
  '**/context/check-context.js',
  '**/context/budget.js',
  '**/context/abortable.js',
  '**/tcp/**',
  '**/tls/**',
  '**/dns/**',
  '**/ssrf/**',
  '**/warm-up/**',
  '**/net/connect.js',
  '**/net/tls-upgrade.js',
  '**/result-builder.js',
  '**/conditions.js',
];
const ENGINE_MESSAGE = 'A protocol engine (src/check/http1/, src/check/http2/) imports nothing of the check layer: not src/check/http/, clients.ts, index.ts, CheckContext or the budget (ARCHITECTURE.md).';
function engineRules() {
  const engine = (files, extra) => ({
    files,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: testBan.paths, patterns: [...testBan.patterns, { group: [...CHECK_LAYER, ...extra], message: ENGINE_MESSAGE }] },
      ],
    },
  });
  return [
    engine(['src/check/http1/**/*.ts'], ['**/http2/**']),
    engine(['src/check/http2/**/*.ts'], ['**/http1/**', '**/errors/**', '**/exchange-types.js']),
  ];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench/out/**', 'tmp/**', 'test/e2e/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly', performance: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: SERVERS,
    rules: { 'no-restricted-imports': ['error', networkBan] },
  },
  {
    files: SERVERS.map((dir) => `${dir}/*.ts`),
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', testBan] },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [...SERVERS, '**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', both] },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...both,
          patterns: [
            ...both.patterns,
            { group: ['../*', '!./*'], message: 'src/domain/** imports nothing outside itself.' },
          ],
        },
      ],
    },
  },
  ...engineRules(),
);
