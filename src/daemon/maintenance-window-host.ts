/**
 * The maintenance windows of a running daemon: config windows (replaced on reload) and API
 * windows (kept until deleted), both persisted, compiled into one MaintenanceWindowSet the
 * daemon asks once per result. Rules (docs/maintenance-windows.md):
 * - a stored API window that no longer validates is kept in the store and skipped (logged);
 *   one whose title or tags hold control or bidi characters (stored before they were checked)
 *   is made safe (U+FFFD), written back and kept in force (logged);
 * - a config window may not take the id of an API window (refused, logged; the API one stays);
 * - a config window dropped from the file is deleted; API windows are never touched by reload.
 */
import { parseMaintenanceWindow, WindowInputError, type MaintenanceWindow } from '../maintenance-windows/maintenance-window.js';
import { cleanStoredWindowInput, windowToInput } from '../maintenance-windows/maintenance-window.js';
import { MaintenanceWindowSet } from '../maintenance-windows/window-set.js';
import { StoreInputError, type Store } from '../storage/store.js';
import type { FieldError } from './daemon-handle.js';
import type { Logger } from './logger.js';

export type WindowMutation =
  | { readonly ok: true; readonly window: MaintenanceWindow }
  | { readonly ok: false; readonly code: 'invalid' | 'not_found' | 'conflict' | 'read_only'; readonly errors: readonly FieldError[] };

/** What the API and the status page see of the windows. */
export interface MaintenanceWindowsPort {
  current(): MaintenanceWindowSet;
  create(input: unknown): Promise<WindowMutation>;
  replace(id: string, input: unknown): Promise<WindowMutation>;
  delete(id: string): Promise<WindowMutation>;
}

const refuse = (code: Extract<WindowMutation, { ok: false }>['code'], field: string, message: string, target: string | null = null): WindowMutation => ({
  ok: false,
  code,
  errors: [{ target, field, message }],
});

/** Many nodes on one store: the windows any node wrote are brought in by the target sync (src/cluster/target-sync.ts). */
export interface SharedWindows {
  /** bumped by every change this node makes to its set (its API edits, config reload, a reload from the store) */
  readonly changeCount: number;
  /** replaces the set with the store's windows */
  reloadFromStore(): Promise<void>;
}

export class MaintenanceWindowHost implements MaintenanceWindowsPort, SharedWindows {
  private byId = new Map<string, MaintenanceWindow>();
  private set = new MaintenanceWindowSet([]);
  private changes = 0;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly nowMs: () => number,
  ) {}

  current(): MaintenanceWindowSet {
    return this.set;
  }

  get changeCount(): number {
    return this.changes;
  }

  /**
   * Many nodes: the store's windows, config and API, become the set (another node may have
   * created, replaced or deleted one through its API). A row that does not parse is skipped
   * and logged; nothing is written back (the node that loaded it first did that).
   */
  async reloadFromStore(): Promise<void> {
    const next = new Map<string, MaintenanceWindow>();
    for (const record of await this.store.listMaintenanceWindows()) {
      try {
        next.set(record.id, parseMaintenanceWindow(record.source === 'api' ? cleanStoredWindowInput(record.input).input : record.input, record.source));
      } catch (err) {
        this.log.warn(`stored maintenance window ${record.id} skipped: ${err instanceof Error ? err.message : String(err)} (kept in the store)`);
      }
    }
    this.byId = next;
    this.rebuild();
  }

  /** Startup: stored API windows, then the config's. */
  async load(configWindows: readonly MaintenanceWindow[]): Promise<void> {
    for (const record of await this.store.listMaintenanceWindows()) {
      if (record.source !== 'api') continue;
      try {
        // rows from before titles were checked: made safe and written back, so the window stays in force
        const { input, cleaned } = cleanStoredWindowInput(record.input);
        const window = parseMaintenanceWindow(input, 'api');
        if (cleaned.length > 0) {
          await this.store.putMaintenanceWindow({ id: window.id, source: 'api', input: windowToInput(window) }, this.nowMs());
          this.log.warn(`stored maintenance window ${record.id}: ${cleaned.join(' and ')} had control or bidi characters, replaced by U+FFFD (written back)`);
        }
        this.byId.set(record.id, window);
      } catch (err) {
        this.log.warn(`stored maintenance window ${record.id} skipped: ${err instanceof Error ? err.message : String(err)} (kept in the store)`);
      }
    }
    await this.applyConfig(configWindows);
  }

  /** Replaces the config windows (start and SIGHUP). */
  async applyConfig(configWindows: readonly MaintenanceWindow[]): Promise<void> {
    const wanted = new Set(configWindows.map((w) => w.id));
    const stored = await this.store.listMaintenanceWindows();
    const apiIds = new Set(stored.filter((r) => r.source === 'api').map((r) => r.id));
    for (const record of stored) {
      if (record.source === 'config' && !wanted.has(record.id)) {
        await this.store.deleteMaintenanceWindow(record.id);
        this.byId.delete(record.id);
      }
    }
    const now = this.nowMs();
    for (const window of configWindows) {
      if (apiIds.has(window.id)) {
        this.log.warn(`config: maintenance window ${window.id} refused: id: already used by a window created through the API`);
        continue;
      }
      const previous = this.byId.get(window.id);
      if (previous === undefined || JSON.stringify(previous) !== JSON.stringify(window)) {
        await this.store.putMaintenanceWindow({ id: window.id, source: 'config', input: windowToInput(window) }, now);
      }
      this.byId.set(window.id, window);
    }
    this.rebuild();
  }

  async create(input: unknown): Promise<WindowMutation> {
    const parsed = this.parse(input);
    if (!parsed.ok) return parsed;
    if (this.byId.has(parsed.window.id)) return refuse('conflict', 'id', `a maintenance window with id ${JSON.stringify(parsed.window.id)} already exists`);
    return this.save(parsed.window);
  }

  async replace(id: string, input: unknown): Promise<WindowMutation> {
    const existing = this.editable(id);
    if (existing !== null) return existing;
    const parsed = this.parse(input);
    if (!parsed.ok) return parsed;
    if (parsed.window.id !== id) return refuse('invalid', 'id', `must equal the id in the path (${JSON.stringify(id)}); a window's id cannot change`);
    return this.save(parsed.window);
  }

  async delete(id: string): Promise<WindowMutation> {
    const refused = this.editable(id);
    if (refused !== null) return refused;
    const window = this.byId.get(id) as MaintenanceWindow;
    await this.store.deleteMaintenanceWindow(id);
    this.byId.delete(id);
    this.rebuild();
    return { ok: true, window };
  }

  private editable(id: string): WindowMutation | null {
    const existing = this.byId.get(id);
    if (existing === undefined) return refuse('not_found', 'id', `no maintenance window with id ${JSON.stringify(id)}`);
    if (existing.source === 'config') return refuse('read_only', 'source', 'this window comes from the config file; edit the file and reload (SIGHUP)');
    return null;
  }

  private parse(input: unknown): WindowMutation {
    try {
      return { ok: true, window: parseMaintenanceWindow(input, 'api') };
    } catch (err) {
      if (err instanceof WindowInputError) return refuse('invalid', err.field, err.reason);
      throw err;
    }
  }

  private async save(window: MaintenanceWindow): Promise<WindowMutation> {
    try {
      await this.store.putMaintenanceWindow({ id: window.id, source: 'api', input: windowToInput(window) }, this.nowMs());
    } catch (err) {
      if (err instanceof StoreInputError) return refuse('invalid', err.field, err.message);
      throw err;
    }
    this.byId.set(window.id, window);
    this.rebuild();
    return { ok: true, window };
  }

  private rebuild(): void {
    this.changes += 1;
    this.set = new MaintenanceWindowSet([...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id)));
  }
}
