import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ConfigFileError, parseDaemonConfig } from './daemon-config.js';

const GOOD = `
defaults:
  interval: 30s
  confirmations: 3
probe:
  maxInFlight: 64
alerts:
  webhooks:
    - name: ops
      url: http://127.0.0.1:9/hook
      secretEnv: HOOK_SECRET
targets:
  - name: api
    check: { url: "http://127.0.0.1:8080/healthz", expectStatus: "200-299", keyword: ok }
    interval: 1m
    tags: [prod]
  - name: db
    check: { kind: tcp, host: 127.0.0.1, port: 5432 }
  - name: bad-kind
    check: { kind: ftp, url: "ftp://x" }
  - name: bad-url
    check: { url: "not a url" }
  - name: too-fast
    check: { url: "http://x/" }
    interval: 500ms
  - name: bad-expect
    check: { url: "http://x/", expectStatus: "2xx" }
  - name: api
    check: { url: "http://x/" }
`;

test('a config with bad targets loads the good ones and names each refused target and field', () => {
  const config = parseDaemonConfig(GOOD, { HOOK_SECRET: 'a-very-long-secret-value' });
  assert.deepEqual(config.targets.map((t) => [t.id, t.intervalMs, t.confirmations]), [
    ['api', 60_000, 3],
    ['db', 30_000, 3],
  ]);
  assert.deepEqual(
    config.targetErrors.map((e) => `${e.target} ${e.field}`),
    ['bad-kind check.kind', 'bad-url check.url', 'too-fast interval', 'bad-expect check.expectStatus', 'api name'],
  );
  assert.equal(config.targetErrors.at(-1)?.message, 'duplicate name "api"');
  assert.equal(config.probe.maxInFlight, 64);
  assert.equal(config.webhooks[0]?.secret, 'a-very-long-secret-value');
  assert.equal(config.targets[0]?.spec.kind === 'http' && config.targets[0].spec.keyword, 'ok');
});

test('file-level problems refuse the whole file with the field named', () => {
  const cases: Array<[string, string]> = [
    ['targets: [\n  - name: a\n    check: {url: "x"\n', 'config'],
    ['probe:\n  maxInFlight: 0\n', 'probe.maxInFlight'],
    ['targetz: []\n', 'targetz'],
    ['defaults:\n  interval: 10 seconds\n', 'defaults.interval'],
    ['alerts:\n  webhooks:\n    - name: w\n      url: http://127.0.0.1/\n', 'alerts.webhooks[0].secret'],
    ['alerts:\n  webhooks:\n    - name: w\n      url: http://127.0.0.1/\n      secretEnv: MISSING_VAR\n', 'alerts.webhooks[0].secretEnv'],
    ['targets: 5\n', 'targets'],
    ['alerts:\n  webhooks:\n    - { name: w, url: 5 }\n', 'alerts.webhooks[0].url'],
    ['a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\ntargets: *e\n', 'config'],
  ];
  for (const [text, field] of cases) {
    assert.throws(() => parseDaemonConfig(text, {}), (err: unknown) => err instanceof ConfigFileError && err.field === field, `${field}: ${text}`);
  }
});

test('an empty file is a valid config with no targets', () => {
  const config = parseDaemonConfig('', {});
  assert.equal(config.targets.length, 0);
  assert.equal(config.probe.maxInFlight, 1024);
});

test('refusals never echo a value that may be a credential', () => {
  const text = `targets:\n  - name: h\n    check: { url: "http://x/", headers: { authorization: "Bearer s3cret-token\\nX" } }\n  - name: u\n    check: { url: "http://user:s3cret-pass@/" }\n`;
  const config = parseDaemonConfig(text, {});
  assert.deepEqual(config.targetErrors.map((e) => e.field), ['check.headers.authorization', 'check.url']);
  assert.ok(!JSON.stringify(config.targetErrors).includes('s3cret'));
});

test('one field-path form, and a wrong type says what was expected', () => {
  const text = 'targets:\n  - { name: a, check: { url: "http://x/" }, interval: [1] }\n  - { name: b, check: { url: "http://x/" }, tags: [ok, 1] }\n';
  const config = parseDaemonConfig(text, {});
  assert.deepEqual(
    config.targetErrors.map((e) => [e.field, e.message]),
    [
      ['interval', 'expected milliseconds (1500) or a duration such as "1500ms", "30s", "1m", "2h", "1d", got [1]'],
      ['tags[1]', 'Invalid input: expected string, received number'],
    ],
  );
  assert.throws(() => parseDaemonConfig('defaults:\n  interval: [1]\n', {}), /defaults\.interval: expected milliseconds .* got \[1\]/);
});

test('certificate-expiry defaults fill http and tls checks that set none; a target overrides them', () => {
  const text = `
defaults:
  certExpiryWarnDays: 30
  certExpiryCriticalDays: 7
targets:
  - name: web
    check: { url: "https://127.0.0.1/" }
  - name: smtp
    check: { kind: tls, host: 127.0.0.1, port: 587, starttls: smtp, certExpiryCriticalDays: 10 }
  - name: db
    check: { kind: tcp, host: 127.0.0.1, port: 5432 }
  - name: bad-level
    check: { kind: tls, host: 127.0.0.1, port: 443, certExpiryCriticalDays: 60 }
  - name: bad-starttls
    check: { kind: tls, host: 127.0.0.1, port: 443, starttls: ftp }
`;
  const config = parseDaemonConfig(text, {});
  const thresholds = config.targets.map((t) => [t.id, 'certExpiryWarnDays' in t.spec ? [t.spec.certExpiryWarnDays, t.spec.certExpiryCriticalDays] : null]);
  assert.deepEqual(thresholds, [['web', [30, 7]], ['smtp', [30, 10]], ['db', null]]);
  assert.equal(config.targets[1]?.checkInput.kind, 'tls');
  assert.deepEqual(config.targetErrors.map((e) => `${e.target} ${e.field}`), ['bad-level check.certExpiryCriticalDays', 'bad-starttls check.starttls']);
  const builtIn = parseDaemonConfig('targets:\n  - name: w\n    check: { url: "https://x/" }\n', {});
  assert.deepEqual(builtIn.targets[0]?.spec.kind === 'http' && [builtIn.targets[0].spec.certExpiryWarnDays, builtIn.targets[0].spec.certExpiryCriticalDays], [14, 3]);
  for (const [yaml, field] of [
    ['defaults:\n  certExpiryWarnDays: -1\n', 'defaults.certExpiryWarnDays'],
    ['defaults:\n  certExpiryWarnDays: 5\n  certExpiryCriticalDays: 9\n', 'defaults.certExpiryCriticalDays'],
  ] as const) {
    assert.throws(() => parseDaemonConfig(yaml, {}), (err: unknown) => err instanceof ConfigFileError && err.field === field, yaml);
  }
});

test('examples/checks.yaml loads every target', () => {
  const text = readFileSync(new URL('../../examples/checks.yaml', import.meta.url), 'utf8');
  const config = parseDaemonConfig(text, {});
  assert.deepEqual(config.targetErrors, []);
  assert.ok(config.targets.length >= 4);
});

test('examples/cluster.yaml (compose profile cluster) loads every target with its regions and quorum', () => {
  const text = readFileSync(new URL('../../examples/cluster.yaml', import.meta.url), 'utf8');
  const config = parseDaemonConfig(text, {});
  assert.deepEqual(config.targetErrors, []);
  assert.deepEqual(
    config.targets.map((t) => [t.name, t.regions, t.quorum]),
    [
      ['example.com', null, 'majority'],
      ['IANA', null, 'any'],
      ['Europe-only API', ['europe'], 'majority'],
      ['Everywhere or nothing', ['europe', 'america'], 'all'],
    ],
  );
});

test('webhook secret and url, and storage.url, take ${env:…} and ${file:…} references; failures name the field, never the value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-refs-'));
  try {
    const secretFile = join(dir, 'hook-secret');
    writeFileSync(secretFile, 'file-secret-0123456789abc\n');
    const pgPassword = join(dir, 'pg-password');
    writeFileSync(pgPassword, 'pg-s3cret-pw\n');
    const text =
      `storage:\n  url: "postgres://vigil:\${file:${pgPassword}}@db.example:5432/vigil?schema=ops"\n` +
      `alerts:\n  webhooks:\n` +
      `    - { name: a, url: "\${env:HOOK_URL}", secret: "\${env:HOOK_SECRET}" }\n` +
      `    - { name: b, url: "https://hooks.example/x", secret: "\${file:${secretFile}}" }\n`;
    const env = { HOOK_URL: 'https://hooks.example/services/T0/B0/xyz', HOOK_SECRET: 'env-secret-0123456789abc' };
    const config = parseDaemonConfig(text, env);
    assert.deepEqual(config.webhooks.map((w) => [w.url, w.secret]), [
      ['https://hooks.example/services/T0/B0/xyz', 'env-secret-0123456789abc'],
      ['https://hooks.example/x', 'file-secret-0123456789abc'],
    ]);
    assert.equal(config.storage.url, 'postgres://vigil:pg-s3cret-pw@db.example:5432/vigil?schema=ops');
    assert.equal(parseDaemonConfig('storage:\n  url: "${env:PG_URL}"\n', { PG_URL: 'postgres://u@h/db' }).storage.url, 'postgres://u@h/db');

    const refused: Array<[string, Record<string, string>, string, RegExp]> = [
      ['alerts:\n  webhooks:\n    - { name: a, url: "http://h/", secret: "${env:NOPE}" }\n', {}, 'alerts.webhooks[0].secret', /\$\{env:NOPE\}: environment variable NOPE is not set/],
      ['alerts:\n  webhooks:\n    - { name: a, url: "http://h/", secret: "${env:SHORT}" }\n', { SHORT: 'tiny-s3cret' }, 'alerts.webhooks[0].secret', /at least 16 characters \(the value is not shown\)/],
      ['alerts:\n  webhooks:\n    - { name: a, url: "http://h/", secret: "${file:relative/x}" }\n', {}, 'alerts.webhooks[0].secret', /expected an absolute path/],
      [`alerts:\n  webhooks:\n    - { name: a, url: "http://h/", secret: "\${file:${join(dir, 'missing')}}" }\n`, {}, 'alerts.webhooks[0].secret', /cannot read the file \(ENOENT\)/],
      ['alerts:\n  webhooks:\n    - { name: a, url: "${env:NO_URL}", secret: "0123456789abcdef" }\n', {}, 'alerts.webhooks[0].url', /NO_URL is not set/],
      ['alerts:\n  webhooks:\n    - { name: a, url: "${env:BAD_URL}", secret: "0123456789abcdef" }\n', { BAD_URL: 'ftp://s3cret-host/' }, 'alerts.webhooks[0].url', /expected an absolute http/],
      ['storage:\n  url: "${env:NO_PG}"\n', {}, 'storage.url', /NO_PG is not set/],
      ['storage:\n  url: "${env:PG_BAD}"\n', { PG_BAD: 'mysql://u:s3cret@h/db' }, 'storage.url', /expected a postgres/],
    ];
    for (const [yaml, vars, field, message] of refused) {
      assert.throws(
        () => parseDaemonConfig(yaml, vars),
        (err: unknown) => err instanceof ConfigFileError && err.field === field && message.test(err.message) && !err.message.includes('s3cret'),
        `${field}: ${yaml}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('examples/heartbeat.yaml loads with its tokens set, and names check.token without them', () => {
  const text = readFileSync(new URL('../../examples/heartbeat.yaml', import.meta.url), 'utf8');
  // the second target reads a file this machine does not have: it is refused, by field
  const config = parseDaemonConfig(text, { BACKUP_PUSH_TOKEN: 'AbCdEfGhIjKlMnOpQrStUvWx' });
  assert.deepEqual(config.targets.map((t) => [t.id, t.spec.kind]), [['nightly-backup', 'heartbeat']]);
  assert.deepEqual(config.targetErrors.map((e) => [e.target, e.field]), [['queue drainer', 'check.token']]);
  const spec = config.targets[0]?.spec;
  assert.equal(spec?.kind === 'heartbeat' && spec.periodMs === 86_400_000 && spec.graceMs === 7_200_000 && /^sha256:[0-9a-f]{64}$/.test(spec.tokenHash ?? ''), true);
  const unset = parseDaemonConfig(text, {});
  assert.deepEqual(unset.targetErrors.map((e) => [e.target, e.field]), [['nightly backup', 'check.token'], ['queue drainer', 'check.token']]);
  assert.match(unset.targetErrors[0]?.message ?? '', /BACKUP_PUSH_TOKEN is not set/);
  const short = parseDaemonConfig(text, { BACKUP_PUSH_TOKEN: 'too-short' });
  assert.match(short.targetErrors[0]?.message ?? '', /22 to 256 characters .* \(value not shown\)/);
  assert.equal(JSON.stringify(short.targetErrors).includes('too-short'), false);
});

test('duplicate names are reported as names; only different names that make one id are reported as the id', () => {
  const text = 'targets:\n  - { name: My API, check: { url: "http://x/" } }\n  - { name: My API, check: { url: "http://x/" } }\n  - { name: my api, check: { url: "http://x/" } }\n  - { id: other, name: my-api-2, check: { url: "http://x/" } }\n  - { id: other, name: my-api-3, check: { url: "http://x/" } }\n';
  const config = parseDaemonConfig(text, {});
  assert.deepEqual(config.targets.map((t) => [t.id, t.name]), [['my-api', 'My API'], ['other', 'my-api-2']]);
  assert.deepEqual(config.targetErrors.map((e) => [e.target, e.field, e.message]), [
    ['My API', 'name', 'duplicate name "My API"'],
    ['my api', 'id', 'duplicate id "my-api" (ids must be unique; set "id" explicitly)'],
    ['my-api-3', 'id', 'duplicate id "other" (ids must be unique; set "id" explicitly)'],
  ]);
});
