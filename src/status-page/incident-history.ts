import type { DaemonHandle } from '../daemon/daemon-handle.js';
import { html } from './html-escape.js';
import { renderDocument, renderIncidentTable } from './page-shell.js';
import type { StatusIncident } from './status-model.js';
import { statusIncidentOf } from './target-data.js';

const PAGE_SIZE = 50;

interface IncidentHistoryModel {
  readonly generatedAt: number;
  readonly incidents: readonly StatusIncident[];
  /** this page was reached through a cursor (it is not the first) */
  readonly isFirstPage: boolean;
  readonly nextCursor: string | null;
}

/**
 * One page of every incident, open ones first, then newest first (the store's order). A
 * cursor the store refuses throws its StoreInputError (the route answers 400).
 */
export async function buildIncidentHistory(handle: DaemonHandle, cursor: string | null, nowMs: number): Promise<IncidentHistoryModel> {
  const page = await handle.store.listIncidents({ state: 'all', limit: PAGE_SIZE, cursor });
  const names = new Map(handle.listTargets().map((t) => [t.id, t.name]));
  return { generatedAt: nowMs, incidents: page.items.map((i) => statusIncidentOf(i, names)), isFirstPage: cursor === null, nextCursor: page.nextCursor };
}

export function renderIncidentHistory(m: IncidentHistoryModel): string {
  const next = m.nextCursor === null ? null : html`<a rel="next" href="/incidents?${new URLSearchParams({ cursor: m.nextCursor }).toString()}">Older incidents</a>`;
  const first = m.isFirstPage ? null : html`<a href="/incidents">Newest incidents</a>`;
  const body = html`<p class="meta">Every incident, open ones first, then the newest; a deleted target's incidents stay until retention removes them (400 days by default). Cause: the error kind of the check that opened it and the last failure's detail.</p>
${renderIncidentTable(m.incidents, m.generatedAt, { linkTargets: true })}
<p class="pager">${first}${first !== null && next !== null ? ' · ' : ''}${next}</p>`;
  return renderDocument({ title: 'Incident history', body, generatedAt: m.generatedAt, refresh: false });
}
