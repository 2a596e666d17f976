import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFileError, parseDaemonConfig } from './daemon-config.js';

const ENV = { PD_KEY: 'pd-routing-key-0123456789', TG: '123:abcdefghijklmnop', SMTP_PW: 'smtp-secret-pw' };

function refusal(yaml: string, env: Record<string, string> = ENV): { field: string; message: string } {
  try {
    parseDaemonConfig(yaml, env);
  } catch (err) {
    assert.ok(err instanceof ConfigFileError, String(err));
    return { field: err.field, message: err.message };
  }
  assert.fail('expected the config to be refused');
}

const channels = (entries: string) => `alerts:\n  channels:\n${entries}`;

test('channels load with defaults: real provider URLs, 5 attempts, 1s backoff, 10s timeout, no routing, no repeat', () => {
  const config = parseDaemonConfig(
    channels(`    - { name: pd, type: pagerduty, routingKey: "\${env:PD_KEY}" }
    - { name: tg, type: telegram, botToken: "\${env:TG}", chatId: 42, repeatEvery: 30m, route: { tags: [prod] } }
    - { name: mail, type: email, host: smtp.example.com, username: vigil, password: "\${env:SMTP_PW}", from: a@example.com, to: [b@example.com] }
`),
    ENV,
  );
  const [pd, tg, mail] = config.channels;
  assert.equal(pd?.type === 'pagerduty' && pd.baseUrl, 'https://events.pagerduty.com');
  assert.equal(pd?.type === 'pagerduty' && pd.routingKey, ENV.PD_KEY);
  assert.deepEqual([pd?.maxAttempts, pd?.initialBackoffMs, pd?.timeoutMs, pd?.route, pd?.repeatEveryMs], [5, 1_000, 10_000, null, null]);
  assert.deepEqual(pd?.secrets, [ENV.PD_KEY]);
  assert.equal(tg?.type === 'telegram' && `${tg.baseUrl} ${tg.chatId}`, 'https://api.telegram.org 42');
  assert.deepEqual([tg?.repeatEveryMs, tg?.route], [1_800_000, { targets: [], tags: ['prod'], probe: true }]);
  assert.equal(mail?.type === 'email' && `${mail.port} ${mail.tls}`, '587 starttls');
});

test('every mistake names its field', () => {
  const cases: Array<[string, string, RegExp]> = [
    [`    - { name: x, type: sms }\n`, 'alerts.channels[0].type', /expected type: email, pagerduty/],
    [`    - { name: x, type: pagerduty }\n`, 'alerts.channels[0].routingKey', /required/],
    [`    - { name: x, type: pagerduty, routingKey: literal-key-0123 }\n`, 'alerts.channels[0].routingKey', /expected a \$\{env:NAME\} or \$\{file:\/path\} reference/],
    [`    - { name: x, type: pagerduty, routingKey: "\${env:NOPE}" }\n`, 'alerts.channels[0].routingKey', /NOPE is not set/],
    [`    - { name: x, type: pagerduty, routingKey: "\${env:PD_KEY}", baseUrl: "ftp://x" }\n`, 'alerts.channels[0].baseUrl', /http:\/\/ or https:\/\//],
    [`    - { name: x, type: discord, url: "https://discord.com/api/webhooks/1/abc" }\n`, 'alerts.channels[0].url', /reference/],
    [`    - { name: x, type: teams, url: "\${env:PD_KEY}" }\n`, 'alerts.channels[0].url', /absolute http/],
    [`    - { name: x, type: opsgenie, apiKey: "\${env:PD_KEY}", priority: P9 }\n`, 'alerts.channels[0].priority', /P1/],
    [`    - { name: x, type: telegram, botToken: "\${env:TG}", chatId: [1] }\n`, 'alerts.channels[0].chatId', /./],
    [`    - { name: x, type: email, host: h, from: a@b.c, to: [] }\n`, 'alerts.channels[0].to', /./],
    [`    - { name: x, type: email, host: h, from: a@b.c, to: [ok@example.com, "not an address"] }\n`, 'alerts.channels[0].to[1]', /expected an email address/],
    [`    - { name: x, type: email, host: h, from: "a@b.c, evil@x.y", to: [d@e.f] }\n`, 'alerts.channels[0].from', /expected an email address/],
    [`    - { name: x, type: email, host: h, from: "Vigil\\r\\nBcc: x@y.z <a@b.c>", to: [d@e.f] }\n`, 'alerts.channels[0].from', /expected an email address/],
    [`    - { name: x, type: email, host: h, from: a@b.c, to: [d@e.f], username: u }\n`, 'alerts.channels[0].password', /together/],
    [`    - { name: x, type: email, host: h, from: a@b.c, to: [d@e.f], caFile: relative.pem }\n`, 'alerts.channels[0].caFile', /absolute path/],
    [`    - { name: x, type: email, host: h, from: a@b.c, to: [d@e.f], tls: none }\n`, 'alerts.channels[0].tls', /starttls/],
    [`    - { name: x, type: pagerduty, routingKey: "\${env:PD_KEY}", repeatEvery: 500ms }\n`, 'alerts.channels[0].repeatEvery', /from 1s to 30d, got "500ms"/],
    [`    - { name: x, type: pagerduty, routingKey: "\${env:PD_KEY}", maxAttempts: 0 }\n`, 'alerts.channels[0].maxAttempts', /./],
    [`    - { name: x, type: pagerduty, routingKey: "\${env:PD_KEY}", route: { tags: prod } }\n`, 'alerts.channels[0].route.tags', /array/],
    [`    - { name: x, type: pagerduty, routingKey: "\${env:PD_KEY}", colour: red }\n`, 'alerts.channels[0].colour', /unknown field/],
    [`    - { name: "bad name", type: pagerduty, routingKey: "\${env:PD_KEY}" }\n`, 'alerts.channels[0].name', /letters, digits/],
    [`    - { name: a, type: pagerduty, routingKey: "\${env:PD_KEY}" }\n    - { name: a, type: pagerduty, routingKey: "\${env:PD_KEY}" }\n`, 'alerts.channels[1].name', /duplicate/],
    [`    - { name: t, type: template, url: "http://h/", template: "{{#type}}x" }\n`, 'alerts.channels[0].template', /Unclosed section "type" at 10/],
    [`    - { name: t, type: template, url: "http://h/", template: "{{nmae}}" }\n`, 'alerts.channels[0].template', /unknown name "nmae" at 0/],
    [`    - { name: t, type: template, url: "http://h/", template: "{{> partial}}" }\n`, 'alerts.channels[0].template', /partials/],
    [`    - { name: t, type: template, url: "http://h/", template: "{\\"detail\\": {{detail}}}" }\n`, 'alerts.channels[0].template', /rendered body is not/],
    [`    - { name: t, type: template, url: "http://h/", template: "x", headers: { "bad header": v } }\n`, 'alerts.channels[0].headers.bad header', /header name/],
  ];
  for (const [entries, field, message] of cases) {
    const got = refusal(channels(entries));
    assert.equal(got.field, field, entries);
    assert.match(got.message, message, entries);
  }
  // webhooks and channels share one namespace (the test endpoint and delivery log are by name)
  const clash = refusal(`alerts:\n  webhooks:\n    - { name: ops, url: "http://h/", format: slack }\n  channels:\n    - { name: ops, type: pagerduty, routingKey: "\${env:PD_KEY}" }\n`);
  assert.equal(clash.field, 'alerts.channels[0].name');
});

test('a secret never appears in a config error, and a file reference is read and trimmed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-channels-'));
  try {
    writeFileSync(join(dir, 'key'), 'file-routing-key-xyz\n');
    const config = parseDaemonConfig(channels(`    - { name: pd, type: pagerduty, routingKey: "\${file:${join(dir, 'key')}}" }\n`));
    assert.equal(config.channels[0]?.type === 'pagerduty' && config.channels[0].routingKey, 'file-routing-key-xyz');
    const bad = refusal(channels(`    - { name: d, type: discord, url: "\${env:PD_KEY}" }\n`));
    assert.ok(!bad.message.includes(ENV.PD_KEY), bad.message);
    const huge = refusal(channels(`    - { name: t, type: template, url: "http://h/", template: "${'x'.repeat(70_000)}" }\n`));
    assert.equal(huge.field, 'alerts.channels[0].template');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a text/plain template is not JSON-checked and renders values unescaped', () => {
  const config = parseDaemonConfig(channels(`    - { name: t, type: template, url: "http://h/", contentType: text/plain, template: "{{text}} <{{target.name}}>" }\n`));
  const t = config.channels[0];
  assert.equal(t?.type === 'template' && t.template.render({ type: 'incident_resolved', at: 0, target: { id: 'a', name: 'A & "B"', tags: [] }, durationMs: 2_000, openedAt: 0, reason: 'recovered', regions: null }), 'RECOVERED A & "B" after 2s <A & "B">');
});

test('examples/alerts.yaml loads every channel once its variables and files exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-example-'));
  try {
    writeFileSync(join(dir, 'og'), 'og-api-key-0123456789\n');
    const text = readFileSync(new URL('../../examples/alerts.yaml', import.meta.url), 'utf8').replace('/run/secrets/opsgenie-api-key', join(dir, 'og'));
    const env = { SMTP_PASSWORD: 'pw', PAGERDUTY_ROUTING_KEY: 'k', DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/x', TELEGRAM_BOT_TOKEN: '1:x', TEAMS_WEBHOOK_URL: 'https://example.com/wf', VIGIL_WEBHOOK_SECRET: 'a-very-long-secret-value', HOOK_TOKEN: 't' };
    const config = parseDaemonConfig(text, env);
    assert.deepEqual(config.channels.map((c) => c.type), ['email', 'pagerduty', 'opsgenie', 'discord', 'telegram', 'teams', 'template']);
    assert.deepEqual(config.targetErrors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('webhooks take route and repeatEvery too, refused by the same rules under their own field names', () => {
  const config = parseDaemonConfig(`alerts:\n  webhooks:\n    - { name: ops, url: "http://h/", format: slack, route: { targets: [api], probe: false }, repeatEvery: 1h }\n`);
  assert.deepEqual([config.webhooks[0]?.route, config.webhooks[0]?.repeatEveryMs], [{ targets: ['api'], tags: [], probe: false }, 3_600_000]);
  const bad = refusal(`alerts:\n  webhooks:\n    - { name: ops, url: "http://h/", format: slack, repeatEvery: 31d }\n`);
  assert.deepEqual([bad.field, /from 1s to 30d/.test(bad.message)], ['alerts.webhooks[0].repeatEvery', true]);
  const badRoute = refusal(`alerts:\n  webhooks:\n    - { name: ops, url: "http://h/", format: slack, route: { tag: [x] } }\n`);
  assert.equal(badRoute.field, 'alerts.webhooks[0].route.tag');
});
