/**
 * One-line logs for operators. Callers pass secret-free text only: target ids and names,
 * field names, error kinds — never specs, URLs with credentials, tokens or webhook URLs.
 * Every line still goes through redactText (src/domain/redact.ts) in case one slips in
 * (an error message quoting a URL, say).
 */
import { redactText } from '../domain/redact.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createConsoleLogger(): Logger {
  const line = (level: string, message: string) => `${new Date().toISOString()} ${level} ${redactText(message)}`;
  return {
    info: (m) => console.log(line('info', m)),
    warn: (m) => console.error(line('warn', m)),
    error: (m) => console.error(line('error', m)),
  };
}

/** Collects lines (tests). */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${redactText(m)}`), warn: (m) => lines.push(`warn ${redactText(m)}`), error: (m) => lines.push(`error ${redactText(m)}`) };
}
