/**
 * Control characters and bidi overrides in a name shown to people (a target's name and tags, a
 * maintenance window's title): a NUL truncates it in C tools and logs, a line break forges log
 * lines, and U+202E makes "evil‮gnp.exe" read as something else on the status page and in alerts.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const UNSAFE_DISPLAY_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The refusal for a name with such a character (the field is named by the caller). */
export const UNSAFE_DISPLAY_TEXT = 'expected no control characters (NUL, line breaks) and no bidirectional override characters (U+202A-U+202E, U+2066-U+2069)';

export function isSafeDisplayText(text: string): boolean {
  return !UNSAFE_DISPLAY_CHARS.test(text);
}

/**
 * The text with each unsafe character replaced by U+FFFD, for rows stored before names were
 * checked (a visible mark that something was taken out, not a silent edit).
 */
export function toSafeDisplayText(text: string): string {
  return text.replace(new RegExp(UNSAFE_DISPLAY_CHARS.source, 'g'), '\uFFFD');
}
