/** Regions (docs/cluster.md): the one definition of a region name and the default region. */

/** 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (as target ids) */
export const REGION_FORM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

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
