/** Regions (docs/cluster.md): the one definition of a region name and the default region. */

/** 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (as target ids) */
export const REGION_FORM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** the region of a node started without --region, and of one node alone (SQLite) */
export const DEFAULT_REGION = 'default';
