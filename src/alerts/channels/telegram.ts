/**
 * Telegram Bot API `sendMessage` (`POST {baseUrl}/bot<token>/sendMessage`; the token is in the
 * path, so every reason is redacted against it). Plain text — no parse_mode — so nothing in a
 * target name or detail needs escaping or can break the message. Telegram answers
 * `{ok: true, …}`; a 429 says how long to wait in `parameters.retry_after` (seconds).
 */
import type { ChannelConfigOf } from '../../config/channel-config.js';
import type { AlertEvent } from '../alert-event.js';
import { alertFacts, summarizeAlert } from '../payloads.js';
import type { ChannelSender } from './channel-sender.js';
import { httpRequest, outcomeOfStatus } from './http-post.js';

/** Telegram's limit on a message's text. */
const MAX_TEXT_CHARS = 4096;

function telegramBody(config: ChannelConfigOf<'telegram'>, event: AlertEvent): Record<string, unknown> {
  const text = [summarizeAlert(event), '', ...alertFacts(event).map(([k, v]) => `${k}: ${v}`)].join('\n');
  return { chat_id: config.chatId, text: text.slice(0, MAX_TEXT_CHARS), disable_web_page_preview: true };
}

function retryAfterOf(text: string): number | null {
  try {
    const seconds = (JSON.parse(text) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
    return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : null;
  } catch {
    return null;
  }
}

export function createTelegramSender(config: ChannelConfigOf<'telegram'>, userAgent: string): ChannelSender {
  const url = `${config.baseUrl}/bot${config.botToken}/sendMessage`;
  return {
    name: config.name,
    kind: 'telegram',
    async send(event, signal) {
      const answer = await httpRequest({ url, headers: { 'content-type': 'application/json', 'user-agent': userAgent }, body: JSON.stringify(telegramBody(config, event)), timeoutMs: config.timeoutMs, signal, secrets: config.secrets });
      if ('failed' in answer) return answer.failed;
      return outcomeOfStatus({ ...answer, retryAfterMs: answer.retryAfterMs ?? retryAfterOf(answer.text) }, config.secrets);
    },
    close: () => undefined,
  };
}
