/**
 * The email channel against a real SMTP server (smtp-server) on 127.0.0.1 speaking real TLS
 * with the fixture certificate: STARTTLS on a plain port, or implicit TLS. The client verifies
 * the certificate against the fixture CA (caFile), exactly as a production config would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createChannelSender } from '../../src/alerts/channels/index.js';
import { fixtureCert, fixtureCertPath } from '../helpers/certs.js';
import { ERROR_EXPLANATION } from '../../src/domain/error-kind.js';
import { ATTEMPT, channelConfig, never, OPENED, OPENED_REGION_LINE, OPENED_REGIONAL, REGION_LINE, RESOLVED, RESOLVED_REGIONAL, TARGET } from './channel-helpers.js';

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly secure: boolean;
  readonly user: string | undefined;
  readonly raw: string;
}

const PASSWORD = 'smtp-pa55word-0123';

async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; received: Received[]; authSecure: boolean[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const authSecure: boolean[] = [];
  const { key, cert } = fixtureCert('valid');
  const server = new SMTPServer({
    key,
    cert,
    logger: false,
    onAuth(auth, session, callback) {
      authSecure.push(session.secure);
      if (auth.username === 'vigil' && auth.password === PASSWORD) callback(null, { user: 'vigil' });
      else callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, authSecure, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function emailChannel(port: number, over: Record<string, unknown> = {}) {
  return createChannelSender(
    channelConfig(
      { name: 'mail', type: 'email', host: '127.0.0.1', port, username: 'vigil', password: '${env:SMTP_PASSWORD}', from: 'vigil@example.com', to: ['ops@example.com', 'oncall@example.com'], caFile: fixtureCertPath('ca.pem'), timeout: '5s', ...over },
      { SMTP_PASSWORD: PASSWORD },
    ),
  );
}

/** Unfolds header continuation lines and returns one header's value. */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r\n\r\n/)[0]!.replace(/\r\n[ \t]+/g, ' ');
  return head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();
}

/** RFC 2047 Q-encoded words (what nodemailer makes of a non-ASCII subject) back to text. */
function decodeWords(value: string): string {
  if (!value.startsWith('=?')) return value;
  const bytes = value
    .split(/\s+/)
    .map((word) => /^=\?UTF-8\?Q\?(.*)\?=$/i.exec(word)?.[1] ?? '')
    .join('')
    .replace(/_/g, ' ');
  return Buffer.from(bytes.replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
}

test('email over STARTTLS: authenticated only after the upgrade, one message to every recipient, replies thread', async () => {
  const smtp = await startSmtp();
  const sender = emailChannel(smtp.port);
  try {
    assert.deepEqual(await sender.send(OPENED, never(), ATTEMPT), { ok: true });
    assert.deepEqual(await sender.send(RESOLVED, never(), ATTEMPT), { ok: true });
    assert.deepEqual(smtp.authSecure, [true, true], 'AUTH only ever inside TLS');
    const [opened, resolved] = smtp.received;
    assert.equal(opened!.secure, true);
    assert.equal(opened!.user, 'vigil');
    assert.equal(opened!.from, 'vigil@example.com');
    assert.deepEqual(opened!.to, ['ops@example.com', 'oncall@example.com']);
    assert.equal(decodeWords(header(opened!.raw, 'Subject') ?? ''), 'DOWN API — connection_refused: The host answered but nothing listens on that port (connection refused). (connect ECONNREFUSED 10.0.0.1:443)');
    assert.equal(header(opened!.raw, 'X-Vigil-Alert-Key'), 'vigil/api/1700000000000');
    assert.equal(header(opened!.raw, 'Message-ID'), '<vigil.api.1700000000000@vigil.invalid>');
    assert.equal(header(resolved!.raw, 'In-Reply-To'), '<vigil.api.1700000000000@vigil.invalid>');
    assert.equal(header(resolved!.raw, 'X-Vigil-Event'), 'incident_resolved');
    assert.match(resolved!.raw, /RECOVERED API after 90s\r\n\r\nEvent: incident_resolved\r\nAt: 2023-11-14T22:14:50\.000Z\r\nTarget: API \(api\)\r\nTags: prod, eu\r\nDuration: 90s/);
    assert.ok(!resolved!.raw.includes(PASSWORD));
    // a certificate warning and its close thread the same way, under the warning's key
    const warned = { at: 1_700_000_000_000, target: TARGET, chainExpiresAt: '2023-11-24T00:00:00.000Z' } as const;
    assert.deepEqual(await sender.send({ type: 'cert_expiring', ...warned, daysLeft: 9, warnDays: 14 }, never(), ATTEMPT), { ok: true });
    assert.deepEqual(await sender.send({ type: 'cert_resolved', at: warned.at, target: warned.target, warnedChainExpiresAt: warned.chainExpiresAt, chainExpiresAt: null, daysLeft: null, reason: 'target_removed' }, never(), ATTEMPT), { ok: true });
    const [expiring, closed] = smtp.received.slice(2);
    assert.equal(header(expiring!.raw, 'Message-ID'), '<vigil.api.cert.2023-11-24T00.00.00.000Z@vigil.invalid>');
    assert.equal(header(closed!.raw, 'In-Reply-To'), '<vigil.api.cert.2023-11-24T00.00.00.000Z@vigil.invalid>');
    assert.equal(header(closed!.raw, 'X-Vigil-Alert-Key'), 'vigil/api/cert/2023-11-24T00:00:00.000Z');
    assert.equal(decodeWords(header(closed!.raw, 'Subject') ?? ''), 'CERT WARNING CLOSED API — target removed (the warning was about the chain expiring 2023-11-24T00:00:00.000Z)');
  } finally {
    sender.close();
    await smtp.close();
  }
});

test('email: a quorum incident\'s recovery says which regions saw what (subject and a Regions fact)', async () => {
  const smtp = await startSmtp();
  const sender = emailChannel(smtp.port);
  try {
    assert.deepEqual(await sender.send(RESOLVED_REGIONAL, never(), ATTEMPT), { ok: true });
    const raw = smtp.received[0]!.raw;
    assert.equal(decodeWords(header(raw, 'Subject') ?? ''), `RECOVERED API after 90s — ${REGION_LINE}`);
    // the body is quoted-printable (the summary holds an em dash): soft breaks out, bytes back
    const body = Buffer.from(raw.split(/\r\n\r\n/).slice(1).join('\r\n\r\n').replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
    assert.match(body, new RegExp(`\r\nDuration: 90s\r\nRegions: ${REGION_LINE.replace(/[()]/g, '\\$&')}\r\n`));
    // once in the body: the first line is the summary without it
    assert.equal(body.split(REGION_LINE).length - 1, 1, body);
    assert.match(body, /^RECOVERED API after 90s\r\n/);
  } finally {
    sender.close();
    await smtp.close();
  }
});

test('email: an opened quorum alert shows the regions line once in the body, the subject alone with it; the detail without it', async () => {
  const smtp = await startSmtp();
  const sender = emailChannel(smtp.port);
  try {
    assert.deepEqual(await sender.send(OPENED_REGIONAL, never(), ATTEMPT), { ok: true });
    const raw = smtp.received[0]!.raw;
    const head = `DOWN API — unexpected_status: ${ERROR_EXPLANATION.unexpected_status} (europe: status 500, expected 200)`;
    // a subject is cut at 200 characters
    assert.equal(decodeWords(header(raw, 'Subject') ?? ''), `${head} — ${OPENED_REGION_LINE}`.slice(0, 200));
    const body = Buffer.from(raw.split(/\r\n\r\n/).slice(1).join('\r\n\r\n').replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
    assert.ok(body.startsWith(`${head}\r\n\r\nEvent: incident_opened\r\n`), body);
    assert.ok(body.includes(`\r\nDetail: europe: status 500, expected 200\r\nRegions: ${OPENED_REGION_LINE}\r\n`), body);
    assert.equal(body.split(OPENED_REGION_LINE).length - 1, 1, body);
  } finally {
    sender.close();
    await smtp.close();
  }
});

test('email over implicit TLS (port 465 style)', async () => {
  const smtp = await startSmtp({ secure: true });
  const sender = emailChannel(smtp.port, { tls: 'implicit' });
  try {
    assert.deepEqual(await sender.send(OPENED, never(), ATTEMPT), { ok: true });
    assert.equal(smtp.received[0]!.secure, true);
  } finally {
    sender.close();
    await smtp.close();
  }
});

test('a server that does not offer STARTTLS gets no password: a permanent failure', async () => {
  const smtp = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
  const sender = emailChannel(smtp.port);
  try {
    const outcome = await sender.send(OPENED, never(), ATTEMPT);
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.retryable, false);
    assert.match(!outcome.ok ? outcome.reason : '', /^ETLS\b/);
    assert.deepEqual(smtp.authSecure, [], 'no AUTH was attempted in clear');
    assert.equal(smtp.received.length, 0);
  } finally {
    sender.close();
    await smtp.close();
  }
});

test('an untrusted certificate fails the delivery (no caFile: the fixture CA is not a public root)', async () => {
  const smtp = await startSmtp();
  const sender = createChannelSender(channelConfig({ name: 'mail', type: 'email', host: '127.0.0.1', port: smtp.port, from: 'vigil@example.com', to: ['ops@example.com'], timeout: '5s' }));
  try {
    const outcome = await sender.send(OPENED, never(), ATTEMPT);
    assert.equal(outcome.ok, false);
    assert.match(!outcome.ok ? outcome.reason : '', /certificate/i);
    assert.equal(smtp.received.length, 0);
  } finally {
    sender.close();
    await smtp.close();
  }
});

test('a wrong password is a permanent EAUTH 535; a 451 on RCPT is retryable; the password never shows', async () => {
  const smtp = await startSmtp({
    onRcptTo(address, _session, callback) {
      if (address.address === 'busy@example.com') callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
      else callback();
    },
  });
  const wrong = createChannelSender(
    channelConfig({ name: 'mail', type: 'email', host: '127.0.0.1', port: smtp.port, username: 'vigil', password: '${env:P}', from: 'vigil@example.com', to: ['ops@example.com'], caFile: fixtureCertPath('ca.pem') }, { P: 'not-the-password-xyz' }),
  );
  const busy = emailChannel(smtp.port, { to: ['busy@example.com'] });
  try {
    const denied = await wrong.send(OPENED, never(), ATTEMPT);
    assert.equal(denied.ok, false);
    assert.equal(!denied.ok && denied.retryable, false);
    assert.match(!denied.ok ? denied.reason : '', /^EAUTH 535/);
    assert.ok(!JSON.stringify(denied).includes('not-the-password-xyz'));
    const later = await busy.send(OPENED, never(), ATTEMPT);
    assert.equal(later.ok, false);
    assert.equal(!later.ok && later.retryable, true);
    assert.match(!later.ok ? later.reason : '', /^EENVELOPE 451/);
  } finally {
    wrong.close();
    busy.close();
    await smtp.close();
  }
});
