import type { DaemonHandle, ScheduledResult } from '../daemon/daemon-handle.js';

/**
 * The newest result per target, kept from the handle's result events so the status page
 * shows a target's state without a store query. Owned by one server; `close` unsubscribes.
 */
export class LatestResults {
  private readonly byTarget = new Map<string, ScheduledResult>();
  private readonly unsubscribe: () => void;

  constructor(source: Pick<DaemonHandle, 'onResult'>) {
    this.unsubscribe = source.onResult((event) => {
      const previous = this.byTarget.get(event.targetId);
      if (previous === undefined || previous.result.startedAt <= event.result.startedAt) this.byTarget.set(event.targetId, event);
    });
  }

  get(targetId: string): ScheduledResult | undefined {
    return this.byTarget.get(targetId);
  }

  close(): void {
    this.unsubscribe();
    this.byTarget.clear();
  }
}
