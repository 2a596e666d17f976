import type { Socket } from 'node:net';
import type { StartTlsProtocol } from '../../domain/check-spec.js';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import type { CheckContext } from '../context/check-context.js';

/** A server's plain-text replies before the handshake, bytes at most (a greeting is < 1 KiB). */
const MAX_STARTTLS_REPLY_BYTES = 16 * 1024;
/** Lines of one reply at most (an EHLO answer lists ~10 extensions). */
const MAX_STARTTLS_REPLY_LINES = 100;
const CLIENT_NAME = 'vigil.invalid';

/**
 * Reads CRLF-terminated lines from a plain socket, one reply at a time, bounded in bytes
 * and lines. Settles through the check context's abort handler when the budget runs out.
 */
class LineReader {
  private buffer = '';
  private bytesRead = 0;
  private waiting: { readonly isComplete: (lines: string[]) => boolean; readonly resolve: (lines: string[]) => void; readonly reject: (f: CheckFailure) => void } | null = null;
  private lines: string[] = [];
  private failure: CheckFailure | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly protocol: StartTlsProtocol,
    ctx: CheckContext,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    ctx.onAbort((failure) => {
      socket.destroy();
      this.fail(failure);
    });
  }

  /** Lines until `isComplete` says the reply ended (e.g. a line without the continuation mark). */
  reply(isComplete: (lines: string[]) => boolean): Promise<string[]> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { isComplete, resolve, reject };
      this.deliver();
    });
  }

  /** Stops listening; the socket goes on to the TLS handshake with nothing unread. */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.pause();
  }

  // Buffers, not setEncoding: the socket's readable state goes on to the TLS layer unchanged.
  private readonly onData = (data: Buffer): void => {
    this.bytesRead += data.length;
    const chunk = data.toString('latin1');
    if (this.bytesRead > MAX_STARTTLS_REPLY_BYTES) {
      this.fail(new CheckFailure('invalid_response', 'tls', `the ${this.protocol} server sent more than ${MAX_STARTTLS_REPLY_BYTES} bytes before TLS`));
      return;
    }
    this.buffer += chunk;
    let nl = this.buffer.indexOf('\n');
    while (nl >= 0) {
      this.lines.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
      this.buffer = this.buffer.slice(nl + 1);
      nl = this.buffer.indexOf('\n');
    }
    if (this.lines.length > MAX_STARTTLS_REPLY_LINES) {
      this.fail(new CheckFailure('invalid_response', 'tls', `the ${this.protocol} server sent a reply of more than ${MAX_STARTTLS_REPLY_LINES} lines`));
      return;
    }
    this.deliver();
  };

  private readonly onEnd = (): void => {
    this.fail(new CheckFailure('no_response', 'tls', `the ${this.protocol} server closed the connection before STARTTLS completed`));
  };

  private readonly onError = (err: Error): void => {
    this.fail(classifyError(err, 'tls'));
  };

  private deliver(): void {
    const waiting = this.waiting;
    if (waiting === null || this.lines.length === 0) return;
    for (let i = 0; i < this.lines.length; i++) {
      const upTo = this.lines.slice(0, i + 1);
      if (waiting.isComplete(upTo)) {
        this.lines = this.lines.slice(i + 1);
        this.waiting = null;
        waiting.resolve(upTo);
        return;
      }
    }
  }

  private fail(failure: CheckFailure): void {
    if (this.failure !== null) return;
    this.failure = failure;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(failure);
  }
}

function refused(protocol: StartTlsProtocol, lines: readonly string[]): CheckFailure {
  const last = (lines[lines.length - 1] ?? '').slice(0, 200);
  return new CheckFailure('starttls_refused', 'tls', `the ${protocol} server did not agree to STARTTLS: ${JSON.stringify(last)}`);
}

/** SMTP replies: `250-…` continues, `250 …` ends (RFC 5321 4.2.1). */
const smtpReplyEnds = (lines: string[]): boolean => /^\d{3}(?: |$)/.test(lines[lines.length - 1] ?? '');
const smtpCode = (lines: readonly string[]): string => (lines[lines.length - 1] ?? '').slice(0, 3);

async function smtp(reader: LineReader, socket: Socket): Promise<void> {
  const greeting = await reader.reply(smtpReplyEnds);
  if (smtpCode(greeting) !== '220') throw refused('smtp', greeting);
  socket.write(`EHLO ${CLIENT_NAME}\r\n`);
  const ehlo = await reader.reply(smtpReplyEnds);
  if (smtpCode(ehlo) !== '250') throw refused('smtp', ehlo);
  if (!ehlo.some((line) => /^250[- ]STARTTLS\b/i.test(line))) {
    throw new CheckFailure('starttls_refused', 'tls', 'the smtp server does not offer STARTTLS (not in its EHLO reply)');
  }
  socket.write('STARTTLS\r\n');
  const ready = await reader.reply(smtpReplyEnds);
  if (smtpCode(ready) !== '220') throw refused('smtp', ready);
}

async function imap(reader: LineReader, socket: Socket): Promise<void> {
  const greeting = await reader.reply(() => true);
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting[0] ?? '')) throw refused('imap', greeting);
  socket.write('V1 STARTTLS\r\n');
  // Untagged lines (`* …`) may come first; the tagged one ends the reply.
  const done = await reader.reply((lines) => /^V1 /i.test(lines[lines.length - 1] ?? ''));
  if (!/^V1 OK\b/i.test(done[done.length - 1] ?? '')) throw refused('imap', done);
}

async function pop3(reader: LineReader, socket: Socket): Promise<void> {
  const greeting = await reader.reply(() => true);
  if (!/^\+OK\b/.test(greeting[0] ?? '')) throw refused('pop3', greeting);
  socket.write('STLS\r\n');
  const ready = await reader.reply(() => true);
  if (!/^\+OK\b/.test(ready[0] ?? '')) throw refused('pop3', ready);
}

const DIALOGS: Readonly<Record<StartTlsProtocol, (reader: LineReader, socket: Socket) => Promise<void>>> = { smtp, imap, pop3 };

/**
 * Speaks the protocol's plain-text prelude until the server is ready for the TLS handshake.
 * Rejects only with a CheckFailure; the socket is then left to the caller to destroy.
 */
export async function negotiateStartTls(socket: Socket, protocol: StartTlsProtocol, ctx: CheckContext): Promise<void> {
  ctx.phase = 'tls';
  const reader = new LineReader(socket, protocol, ctx);
  try {
    await DIALOGS[protocol](reader, socket);
  } finally {
    reader.detach();
    ctx.onAbort(null);
  }
}
