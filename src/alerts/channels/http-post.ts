/**
 * One HTTP request to a provider's API with global `fetch` (this layer may not import
 * node:http), classified into a SendOutcome: 2xx delivered; 408, 425, 429 and 5xx retryable
 * (with the provider's Retry-After when it sent one); other answers permanent. Redirects are
 * not followed: a provider endpoint that redirects is misconfigured, and following would
 * carry a secret URL's body elsewhere. The reason quotes a short piece of the provider's
 * answer (it usually says what was wrong) with every known secret removed.
 */
import { redactText } from '../../domain/redact.js';
import type { SendOutcome } from './channel-sender.js';

/** The provider's own words in a failure reason, at most this many characters. */
const MAX_REASON_BODY_CHARS = 200;
/**
 * The most of a provider's answer that is read: enough for any error message, and a provider
 * (or something impersonating one) that streams megabytes costs nothing but this.
 */
const MAX_ANSWER_BYTES = 16 * 1024;
/** A Retry-After longer than this is not honoured as such (the retry schedule caps it). */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

export interface HttpPost {
  readonly url: string;
  readonly method?: 'POST' | 'PUT';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** values to remove from anything this returns (tokens, secret URLs) */
  readonly secrets: readonly string[];
}

/** What came back, for senders that read the answer (Telegram's `ok`, `retry_after`). */
export type HttpAnswer = { readonly status: number; readonly text: string; readonly retryAfterMs: number | null } | { readonly failed: SendOutcome & { ok: false } };

/** A secret-free reason for a fetch that threw: an errno code, "timeout" or "aborted". */
function reasonOfFetchError(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'aborted';
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause !== undefined && typeof cause.code === 'string') return cause.code;
  return 'network error';
}

function parseRetryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - nowMs;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : null;
}

/** The answer's first MAX_ANSWER_BYTES as text; the rest is not read (the stream is cancelled). */
async function readBounded(res: Response): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  while (bytes < MAX_ANSWER_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}

/** Sends the request and reads the answer's text (bounded by the timeout); never throws. */
export async function httpRequest(req: HttpPost): Promise<HttpAnswer> {
  try {
    const signal = AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]);
    const res = await fetch(req.url, { method: req.method ?? 'POST', headers: req.headers, body: req.body, signal, redirect: 'manual' });
    const text = await readBounded(res).catch(() => '');
    return { status: res.status, text, retryAfterMs: parseRetryAfterMs(res.headers.get('retry-after'), Date.now()) };
  } catch (err) {
    return { failed: { ok: false, retryable: !req.signal.aborted, reason: reasonOfFetchError(err, req.signal) } };
  }
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** "HTTP 400: <the provider's words>", secrets removed, one line, bounded. */
function statusReason(status: number, text: string, secrets: readonly string[]): string {
  const words = redactText(text.replace(/\s+/g, ' ').trim(), secrets).slice(0, MAX_REASON_BODY_CHARS);
  return words === '' ? `HTTP ${status}` : `HTTP ${status}: ${words}`;
}

/** The usual case: any 2xx is delivered. */
export async function httpSend(req: HttpPost): Promise<SendOutcome> {
  const answer = await httpRequest(req);
  if ('failed' in answer) return answer.failed;
  return outcomeOfStatus(answer, req.secrets);
}

export function outcomeOfStatus(answer: { status: number; text: string; retryAfterMs: number | null }, secrets: readonly string[]): SendOutcome {
  if (answer.status >= 200 && answer.status < 300) return { ok: true };
  const retryable = isRetryableStatus(answer.status);
  const reason = statusReason(answer.status, answer.text, secrets);
  return answer.retryAfterMs !== null && retryable ? { ok: false, retryable, reason, retryAfterMs: answer.retryAfterMs } : { ok: false, retryable, reason };
}
