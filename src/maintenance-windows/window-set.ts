/**
 * The windows in force, compiled once per change (config load, reload, API edit). Which
 * targets a window covers is decided here, by id and tag, so the daemon asks one question
 * per result: is this target in maintenance at this instant?
 */
import type { MaintenanceWindow } from './maintenance-window.js';
import { compileWindow, type CompiledWindow, type WindowOccurrence } from './window-schedule.js';

export interface WindowTarget {
  readonly id: string;
  readonly tags: readonly string[];
}

function windowCovers(window: MaintenanceWindow, target: WindowTarget): boolean {
  if (window.scope.global) return true;
  if (window.scope.targets.includes(target.id)) return true;
  return window.scope.tags.some((tag) => target.tags.includes(tag));
}

export class MaintenanceWindowSet {
  private readonly compiled: readonly CompiledWindow[];

  constructor(windows: readonly MaintenanceWindow[]) {
    this.compiled = windows.map(compileWindow);
  }

  get size(): number {
    return this.compiled.length;
  }

  windows(): readonly MaintenanceWindow[] {
    return this.compiled.map((c) => c.window);
  }

  /** does window `id` cover the target (false for an unknown id) */
  covers(id: string, target: WindowTarget): boolean {
    const c = this.compiled.find((w) => w.window.id === id);
    return c !== undefined && windowCovers(c.window, target);
  }

  /** one window's occurrences in [fromMs, toMs), an open one first */
  upcomingOf(id: string, fromMs: number, toMs: number, max: number): WindowOccurrence[] {
    return this.compiled.find((w) => w.window.id === id)?.occurrences(fromMs, toMs, max) ?? [];
  }

  /** the first window open for the target at atMs, or null */
  openFor(target: WindowTarget, atMs: number): WindowOccurrence | null {
    for (const c of this.compiled) {
      if (!windowCovers(c.window, target)) continue;
      const open = c.openAt(atMs);
      if (open !== null) return open;
    }
    return null;
  }

  /** every window open at atMs (any scope) */
  openAt(atMs: number): Array<{ window: MaintenanceWindow; occurrence: WindowOccurrence }> {
    const out: Array<{ window: MaintenanceWindow; occurrence: WindowOccurrence }> = [];
    for (const c of this.compiled) {
      const occurrence = c.openAt(atMs);
      if (occurrence !== null) out.push({ window: c.window, occurrence });
    }
    return out;
  }

  /** occurrences starting in [fromMs, toMs) across every window, soonest first, at most max */
  upcoming(fromMs: number, toMs: number, max: number): Array<{ window: MaintenanceWindow; occurrence: WindowOccurrence }> {
    const all = this.compiled.flatMap((c) => c.occurrences(fromMs, toMs, max).map((occurrence) => ({ window: c.window, occurrence })));
    return all.filter((o) => o.occurrence.startMs >= fromMs).sort((a, b) => a.occurrence.startMs - b.occurrence.startMs).slice(0, max);
  }
}
