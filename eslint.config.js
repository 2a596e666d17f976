// Lint enforces the import boundaries described in ARCHITECTURE.md: only the check
// executor (src/check/**) and the servers (API, mock servers, test helpers) may touch the
// network modules; src/domain/** imports nothing outside itself.
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
  {
    // The HTTP/2 protocol engine sits below the check: it takes a socket, limits, a clock
    // and a header decoder, and imports neither the check layer nor Clients (ARCHITECTURE.md).
    files: ['src/check/http2/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/check/http/*', '../../http/*', '**/clients.js', '../*.js', '**/context/check-context.js', '**/context/budget.js', '**/context/abortable.js', '**/errors/*'],
              message: 'src/check/http2/engine/** is a protocol engine: no imports from the check layer (src/check/http/, clients.ts, the http2 exchange or pool, CheckContext, CheckFailure).',
            },
          ],
        },
      ],
    },
  },
);
