/**
 * Small store writes that must land in the order they were made (a later state of a target
 * never overtaken by an earlier one) and must not stop the chain when one fails: each failure
 * is logged with what was being kept, and the next write still runs. `idle()` resolves when
 * every write made so far has settled (shutdown waits for it before closing the store).
 */
export class OrderedWrites {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly logError: (message: string) => void) {}

  add(what: string, write: () => Promise<void>): void {
    this.tail = this.tail.then(write).catch((err: unknown) => this.logError(`${what} could not be kept: ${err instanceof Error ? err.message : String(err)}`));
  }

  idle(): Promise<void> {
    return this.tail;
  }
}
