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
