// RFC 7541 Appendix A: the static table. Index 1 is the first entry; dynamic entries follow
// from index 62 (STATIC_TABLE_LENGTH + 1).

export const STATIC_TABLE: ReadonlyArray<readonly [name: string, value: string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

export const STATIC_TABLE_LENGTH = 61;

export interface StaticName {
  /** the lowest index with this name: the encoder's name reference */
  readonly index: number;
  /** value -> index for the entries of this name that have a value (full matches) */
  readonly valueIndexes: ReadonlyMap<string, number> | undefined;
}

/** Every static name, for the encoder: one lookup gives the name index and any full match. */
export const STATIC_NAMES: ReadonlyMap<string, StaticName> = buildStaticNames();

function buildStaticNames(): Map<string, StaticName> {
  const names = new Map<string, { index: number; valueIndexes: Map<string, number> | undefined }>();
  STATIC_TABLE.forEach(([name, value], i) => {
    const entry = names.get(name) ?? { index: i + 1, valueIndexes: undefined };
    names.set(name, entry);
    if (value !== '') (entry.valueIndexes ??= new Map()).set(value, i + 1);
  });
  return names;
}
