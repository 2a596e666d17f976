/**
 * A user mistake on the command line (unknown flag, bad value). The CLI prints its message as
 * one line and exits 2; it never carries a stack trace to the user.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What a command writes to and reads from; `main.ts` binds it to the real process. */
export interface CliIo {
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** stdout is a terminal and NO_COLOR is unset */
  readonly useColor: boolean;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
