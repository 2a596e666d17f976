/**
 * Regions (docs/cluster.md): the one definition of a region name, the default region, the
 * quorum rule, and what the regions said about a target when its incident was decided.
 */

/** 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (as target ids) */
export const REGION_FORM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const REGION_EXPECTED = 'region names of 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';
/** regions one target may name */
export const MAX_TARGET_REGIONS = 32;

/** the region of a node started without --region, and of one node alone (SQLite) */
export const DEFAULT_REGION = 'default';

/** how many of a target's observed regions must see it down to open an incident */
export const QUORUMS = ['any', 'majority', 'all'] as const;
export type Quorum = (typeof QUORUMS)[number];
export const DEFAULT_QUORUM: Quorum = 'majority';

/** Regions that must see a target down, of `observed` regions that have a live node. */
export function requiredRegions(quorum: Quorum, observed: number): number {
  if (observed <= 0) return Infinity;
  if (quorum === 'any') return 1;
  if (quorum === 'all') return observed;
  return Math.floor(observed / 2) + 1;
}

/**
 * What one region said when the incident was decided: its checking node concluded the target
 * down (after its confirmations) or up, or the region had no live node (neither up nor down).
 */
export const REGION_VERDICTS = ['down', 'up', 'no_live_node'] as const;
export type RegionVerdict = (typeof REGION_VERDICTS)[number];

/**
 * Which regions saw what when a quorum incident was last decided (opened, updated, closed):
 * stored on the incident (`incidents.regions`), carried by its alerts, shown by the status
 * page. Null for an incident of one node alone, and for incidents stored before regions were.
 */
export interface IncidentRegions {
  readonly quorum: Quorum;
  /** regions that had to see the target down, of those with a live node (at most their number) */
  readonly required: number;
  /** region → verdict, keys in ascending order */
  readonly verdicts: Readonly<Record<string, RegionVerdict>>;
}

/** Builds the record from the regions the target is checked from and which of them said what. */
export function incidentRegionsOf(quorum: Quorum, observed: readonly string[], down: readonly string[], unobserved: readonly string[]): IncidentRegions {
  const verdicts: Record<string, RegionVerdict> = {};
  for (const r of observed) verdicts[r] = down.includes(r) ? 'down' : 'up';
  for (const r of unobserved) verdicts[r] = 'no_live_node';
  return { quorum, required: Math.min(requiredRegions(quorum, observed.length), observed.length), verdicts: sortedVerdicts(verdicts) };
}

function sortedVerdicts(verdicts: Readonly<Record<string, RegionVerdict>>): Record<string, RegionVerdict> {
  return Object.fromEntries(Object.entries(verdicts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The regions that gave one verdict, in name order. */
export function regionsWith(r: IncidentRegions, verdict: RegionVerdict): string[] {
  return Object.keys(r.verdicts)
    .filter((name) => r.verdicts[name] === verdict)
    .sort();
}

/** "down in america, europe; up in none; no live node: asia": the verdicts in words. */
export function describeRegionVerdicts(r: IncidentRegions): string {
  const list = (names: string[]) => (names.length === 0 ? 'none' : names.join(', '));
  const parts = [`down in ${list(regionsWith(r, 'down'))}`, `up in ${list(regionsWith(r, 'up'))}`];
  const unobserved = regionsWith(r, 'no_live_node');
  if (unobserved.length > 0) parts.push(`no live node: ${unobserved.join(', ')}`);
  return parts.join('; ');
}

/**
 * The one human summary of which regions saw what, used by the incident's detail, every
 * alert channel and the status page: "down in america, europe; up in none; no live node: asia
 * (quorum majority: 2 of 2 regions)".
 */
export function describeIncidentRegions(r: IncidentRegions): string {
  const observed = Object.values(r.verdicts).filter((v) => v !== 'no_live_node').length;
  return `${describeRegionVerdicts(r)} (quorum ${r.quorum}: ${r.required} of ${observed} regions)`;
}

/** between a quorum incident's regions summary and the worst down region's own detail */
const DETAIL_SEPARATOR = ' — ';

/**
 * A quorum incident's detail (stored, and the alerts' machine-readable `detail`): the regions
 * summary, then the region whose detail explains it: "down in america, europe; up in none
 * (quorum majority: 2 of 2 regions) — europe: status 500, expected 200".
 */
export function quorumIncidentDetail(r: IncidentRegions, worst: { readonly region: string; readonly detail: string } | null): string {
  return `${describeIncidentRegions(r)}${worst === null ? '' : `${DETAIL_SEPARATOR}${worst.region}: ${worst.detail}`}`;
}

/**
 * What a quorum incident's detail says beside its regions summary ("europe: status 500, …"),
 * for human output that shows the summary once on its own (docs/alerts.md); null when it says
 * nothing else. A detail not built from these regions (one node; other regions) is returned
 * as it is.
 */
export function detailBesideRegions(detail: string | null, r: IncidentRegions | null): string | null {
  if (detail === null || r === null) return detail;
  const summary = describeIncidentRegions(r);
  if (detail === summary) return null;
  return detail.startsWith(`${summary}${DETAIL_SEPARATOR}`) ? detail.slice(summary.length + DETAIL_SEPARATOR.length) : detail;
}

/**
 * Reads a stored or received value back into IncidentRegions (keys sorted: Postgres jsonb
 * reorders them); null when it is not one, so a caller can refuse it naming the field.
 */
export function parseIncidentRegions(value: unknown): IncidentRegions | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (Object.keys(v).length !== 3 || !(QUORUMS as readonly unknown[]).includes(v.quorum)) return null;
  if (typeof v.required !== 'number' || !Number.isInteger(v.required) || v.required < 0 || v.required > MAX_REGION_VERDICTS) return null;
  const verdicts = v.verdicts;
  if (verdicts === null || typeof verdicts !== 'object' || Array.isArray(verdicts)) return null;
  const entries = Object.entries(verdicts as Record<string, unknown>);
  if (entries.length > MAX_REGION_VERDICTS) return null;
  if (!entries.every(([name, verdict]) => REGION_FORM.test(name) && (REGION_VERDICTS as readonly unknown[]).includes(verdict))) return null;
  return { quorum: v.quorum as Quorum, required: v.required, verdicts: sortedVerdicts(verdicts as Record<string, RegionVerdict>) };
}

/** an incident names at most the regions nodes registered in plus a target's own: bounded */
const MAX_REGION_VERDICTS = 256;
