/**
 * Email over SMTP with nodemailer. TLS is required: STARTTLS on the submission port (587;
 * `requireTLS`, so a server that does not offer it — or a man in the middle stripping it —
 * fails the delivery instead of getting the password in clear) or implicit TLS (465). The
 * server's certificate is verified, against `caFile` when given. Subject is the summary; the
 * plain-text body lists the facts. Reminders and the resolution reply to the opening message
 * (In-Reply-To/References), so mail clients thread one incident.
 *
 * Outcomes: SMTP 4xx and connection trouble are retryable; 5xx, authentication and TLS
 * failures are permanent (a config to fix, not a moment to wait out).
 */
import { createTransport } from 'nodemailer';
import type { ChannelConfigOf } from '../../config/channel-config.js';
import { redactText } from '../../domain/redact.js';
import { alertKeyOf, type AlertEvent } from '../alert-event.js';
import { alertFacts, alertText, summarizeAlert } from '../payloads.js';
import type { ChannelSender, SendOutcome } from './channel-sender.js';

const MAX_SUBJECT_CHARS = 200;
const MAX_REASON_CHARS = 200;
const PERMANENT_CODES = new Set(['EAUTH', 'ENOAUTH', 'ETLS', 'EREQUIRETLS', 'EENVELOPE', 'EMESSAGE', 'ECONFIG']);

/** The Message-ID of an incident's opening mail, derived from its key. */
function threadIdOf(event: AlertEvent): string {
  return `<${alertKeyOf(event).replace(/[^A-Za-z0-9.-]/g, '.')}@vigil.invalid>`;
}

function threading(event: AlertEvent): Record<string, string> {
  if (event.type === 'incident_opened' || event.type === 'cert_expiring' || event.type === 'probe_degraded') return { messageId: threadIdOf(event) };
  if (event.type === 'incident_reminder' || event.type === 'incident_resolved' || event.type === 'cert_resolved' || event.type === 'probe_recovered') return { inReplyTo: threadIdOf(event), references: threadIdOf(event) };
  return {};
}

function outcomeOfError(err: unknown, secrets: readonly string[]): SendOutcome & { ok: false } {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'ERROR';
  const smtp = typeof e.responseCode === 'number' ? e.responseCode : null;
  const words = redactText(String(e.message ?? '').replace(/\s+/g, ' '), secrets).slice(0, MAX_REASON_CHARS);
  const reason = `${code}${smtp === null ? '' : ` ${smtp}`}${words === '' ? '' : `: ${words}`}`;
  if (code === 'EABORT') return { ok: false, retryable: false, reason: 'aborted' };
  const retryable = smtp !== null ? smtp >= 400 && smtp < 500 : !PERMANENT_CODES.has(code);
  return { ok: false, retryable, reason };
}

export function createEmailSender(config: ChannelConfigOf<'email'>, userAgent: string): ChannelSender {
  const transport = createTransport({
    host: config.host,
    port: config.port,
    secure: config.tls === 'implicit',
    requireTLS: config.tls === 'starttls',
    ...(config.username === null || config.password === null ? {} : { auth: { user: config.username, pass: config.password } }),
    tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2', ...(config.ca === null ? {} : { ca: config.ca }) },
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  });
  return {
    name: config.name,
    kind: 'email',
    async send(event, signal, delivery) {
      // the subject stands alone in a mailbox list (with the regions line); the body shows it as a fact
      const text = [summarizeAlert(event), '', ...alertFacts(event).map(([k, v]) => `${k}: ${v}`), '', `-- ${userAgent}`].join('\n');
      try {
        await transport.sendMail({
          from: config.from,
          to: [...config.to],
          subject: alertText(event).slice(0, MAX_SUBJECT_CHARS),
          text,
          headers: { 'X-Vigil-Alert-Key': alertKeyOf(event), 'X-Vigil-Event': event.type, 'X-Vigil-Delivery': delivery.id },
          ...threading(event),
          signal,
        });
        return { ok: true };
      } catch (err) {
        return outcomeOfError(err, config.secrets);
      }
    },
    close: () => transport.close(),
  };
}
