/**
 * The address ranges the SSRF guard refuses, as data. Names are what a result's `detail`
 * shows, so they carry both the purpose and the CIDR.
 *
 * IPv4 ranges are judged on their own and also wherever an IPv6 address embeds an IPv4
 * address (IPv4-mapped, IPv4-compatible, NAT64, 6to4): a blocked IPv4 address stays blocked
 * in every IPv6 spelling. The IPv6 ranges below are the IPv6-native ones.
 */
export const BLOCKED_IPV4_RANGES: readonly (readonly [cidr: string, purpose: string])[] = [
  ['0.0.0.0/8', '"this network"'],
  ['10.0.0.0/8', 'private (RFC 1918)'],
  ['100.64.0.0/10', 'carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (incl. cloud metadata)'],
  ['172.16.0.0/12', 'private (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)'],
  ['192.168.0.0/16', 'private (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast'],
  // 240/4 is reserved and 255.255.255.255 (limited broadcast) lies inside it.
  ['240.0.0.0/4', 'reserved and broadcast'],
];

/** IPv6-native ranges; every prefix is at most /32 so a match needs only the first two hextets. */
export const BLOCKED_IPV6_PREFIX_RANGES: readonly (readonly [cidr: string, purpose: string])[] = [
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
  ['2001:db8::/32', 'documentation'],
];

/**
 * IPv6 forms that carry an IPv4 address. `prefixParts` fixes leading hextets; the embedded
 * address sits in hextets `v4At` and `v4At + 1`.
 */
export interface EmbeddingForm {
  readonly label: string;
  readonly prefixParts: readonly number[];
  readonly v4At: number;
}

export const IPV4_EMBEDDING_FORMS: readonly EmbeddingForm[] = [
  { label: 'IPv4-mapped ::ffff:0:0/96', prefixParts: [0, 0, 0, 0, 0, 0xffff], v4At: 6 },
  { label: 'IPv4-compatible ::/96', prefixParts: [0, 0, 0, 0, 0, 0], v4At: 6 },
  { label: 'NAT64 64:ff9b::/96', prefixParts: [0x64, 0xff9b, 0, 0, 0, 0], v4At: 6 },
  { label: '6to4 2002::/16', prefixParts: [0x2002], v4At: 1 },
];
