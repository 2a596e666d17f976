/** What a command writes to and reads from; `main.ts` binds it to the real process. */
export interface CliIo {
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** stdout is a terminal and NO_COLOR is unset */
  readonly useColor: boolean;
}

/** up or degraded; also help and version */
export const EXIT_OK = 0;
/** down or error (or a subcommand that could not be loaded) */
export const EXIT_FAILED = 1;
/** bad input */
export const EXIT_USAGE = 2;
